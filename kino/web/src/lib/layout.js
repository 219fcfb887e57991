// What every page shares: the header's signed-in state and the Sign out button.
import { $ } from './dom.js';
import { onSessionChange, session, signOut } from './session.js';

function show(user) {
  document.documentElement.dataset.session = user ? 'signed-in' : 'signed-out';
  const name = $('#account-name');
  if (name) name.textContent = user ? user.displayName : '';
}

export function startLayout() {
  onSessionChange(show);
  $('#sign-out')?.addEventListener('click', async () => {
    await signOut();
    location.assign('/');
  });
  return session().then((current) => { show(current?.user ?? null); return current; });
}
