// Kino's web client: a tiny GraphQL helper and session storage. No framework.
export async function gql(query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/graphql-response+json" };
  const token = sessionStorage.getItem("kino.accessToken");
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (body.errors && body.errors.length) {
    const error = new Error(body.errors[0].message);
    error.code = body.errors[0].extensions && body.errors[0].extensions.code;
    throw error;
  }
  return body.data;
}

export function saveSession(payload) {
  sessionStorage.setItem("kino.accessToken", payload.accessToken);
  localStorage.setItem("kino.refreshToken", payload.refreshToken);
}

export function clearSession() {
  sessionStorage.removeItem("kino.accessToken");
  localStorage.removeItem("kino.refreshToken");
}

export async function restoreSession() {
  if (sessionStorage.getItem("kino.accessToken")) return true;
  const refreshToken = localStorage.getItem("kino.refreshToken");
  if (!refreshToken) return false;
  try {
    const data = await gql(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken expiresIn } }`, { t: refreshToken });
    saveSession(data.refreshSession);
    return true;
  } catch (error) {
    clearSession();
    return false;
  }
}

export function text(element, value) { element.textContent = value; return element; }
