// /register: create an account, signed in at once.
import { $, nextPath } from '../lib/dom.js';
import { gql } from '../lib/graphql.js';
import { startLayout } from '../lib/layout.js';
import { adopt } from '../lib/session.js';

const REGISTER = `mutation Register($email: String!, $handle: String!, $password: String!, $displayName: String) {
  register(email: $email, handle: $handle, password: $password, displayName: $displayName) {
    accessToken expiresIn user { id handle displayName } } }`;

async function register(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = $('#register-error');
  error.textContent = '';
  const fields = {
    email: form.email.value.trim(),
    handle: form.handle.value.trim(),
    password: form.password.value,
    displayName: form.displayName.value.trim() || null,
  };
  if (!fields.email || !fields.handle || !fields.password) {
    error.textContent = 'Email, handle and password are needed.';
    return;
  }
  const submit = form.querySelector('button[type=submit]');
  submit.disabled = true;
  try {
    const data = await gql(REGISTER, fields, { cookie: true });
    adopt(data.register);
    location.assign(nextPath());
  } catch (failure) {
    error.textContent = failure.message;
    if (failure.field) form.elements[failure.field]?.focus();
    submit.disabled = false;
  }
}

startLayout();
$('#register-form').addEventListener('submit', register);
