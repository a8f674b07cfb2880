// Thin client for the qun REST API (/v1). The token lives in localStorage
// (this browser only) and is sent as a bearer token.
const KEY = 'qun.token';

export function getToken() { return localStorage.getItem(KEY) || ''; }
export function setToken(t) { localStorage.setItem(KEY, t); }
export function clearToken() { localStorage.removeItem(KEY); }

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

const base = new URL('.', window.location.href).pathname.replace(/\/$/, '');

export async function api(path, { method = 'GET', query, body, token } = {}) {
  const url = new URL(base + path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const headers = { Authorization: 'Bearer ' + (token || getToken()) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code || 'http_' + res.status, e.message || res.statusText, e.details);
  }
  return data;
}

// A non-JSON answer (the weekly report's HTML or Markdown) as text.
export async function apiText(path, { query } = {}) {
  const url = new URL(base + path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const res = await fetch(url, { headers: { Authorization: 'Bearer ' + getToken() } });
  const text = await res.text();
  if (!res.ok) {
    let e = {};
    try { e = JSON.parse(text).error || {}; } catch { e = {}; }
    throw new ApiError(res.status, e.code || 'http_' + res.status, e.message || res.statusText, e.details);
  }
  return text;
}
