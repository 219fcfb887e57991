// The comment forms (the page's "Add a comment", a reply, an edit) and their errors, shown next
// to the form in words: how long to wait when rate-limited, what is wrong with the text.
import { $, h } from '../lib/dom.js';
import { ApiError } from '../lib/graphql.js';

export const BODY_MAX = 10_000;  // the domain's limit, after trimming
let made = 0;

/** A form with one text field (`label`), a submit button and, with `onCancel`, a Cancel. */
export function commentForm({ label, submit, value = '', onSubmit, onCancel = null }) {
  made += 1;
  const id = `comment-form-${made}`;
  const body = h('textarea', { id: `${id}-body`, name: 'body', rows: 3, maxlength: BODY_MAX, required: true,
                               'aria-describedby': `${id}-error` });
  body.value = value;
  const form = h('form', { class: 'comment-form', novalidate: true },
    h('label', { for: body.id }, label),
    body,
    h('p', { class: 'form-error', id: `${id}-error`, role: 'alert' }),
    h('div', { class: 'form-buttons' },
      onCancel ? h('button', { type: 'button', class: 'secondary', onclick: onCancel }, 'Cancel') : null,
      h('button', { type: 'submit' }, submit)));
  handleSubmit(form, onSubmit);
  return form;
}

/**
 * Send the form's text with `send(body)`; the text is cleared when it succeeds, and kept with
 * the reason shown next to the form when it does not.
 */
export function handleSubmit(form, send) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const field = form.elements.body;
    const button = $('button[type=submit]', form);
    if (button.disabled) return;
    clearError(form);
    if (!field.value.trim()) {
      showError(form, new ApiError('A comment cannot be empty.', 'BAD_USER_INPUT', 'body'));
      return;
    }
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await send(field.value);
      field.value = '';
    } catch (failure) {
      showError(form, failure);
    } finally {
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  form.elements.body.addEventListener('input', () => form.elements.body.removeAttribute('aria-invalid'));
}

export function clearError(form) {
  $('.form-error', form).textContent = '';
  form.elements.body?.removeAttribute('aria-invalid');
}

/** Show why an action failed, in the form's (or the given element's) error line. */
export function showError(form, failure) {
  $('.form-error', form).textContent = describe(failure);
  const field = form.elements?.body;
  if (field && failure.code === 'BAD_USER_INPUT' && (!failure.field || failure.field === 'body')) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

/** A failure in words a person can act on. */
export function describe(failure) {
  switch (failure.code) {
    case 'RATE_LIMITED':
      return failure.retryAfter
        ? `You are commenting too fast: wait ${waitWords(failure.retryAfter)}, then try again.`
        : failure.message;
    case 'UNAUTHENTICATED':
      return 'Your session has ended: sign in again to comment.';
    case 'FORBIDDEN':
    case 'NOT_FOUND':
    case 'BAD_USER_INPUT':
    case 'NETWORK':
      return failure.message;
    default:
      return failure.message || 'Something went wrong; please try again.';
  }
}

/** "45 seconds", "2 minutes". */
export function waitWords(seconds) {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return `${whole} second${whole === 1 ? '' : 's'}`;
  const minutes = Math.ceil(whole / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
