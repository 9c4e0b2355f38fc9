/**
 * A browser's part of signing in with the identity provider, over plain HTTP: follows redirects by hand, keeps
 * cookies (per host, as a browser does across ports), and fills the provider's sign-in form.
 */
export class SsoBrowser {
  private readonly jar = new Map<string, string>();

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  dropCookie(name: string): void {
    this.jar.delete(name);
  }

  private cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0$/i.test(a),
      );
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0) headers.set('cookie', this.cookieHeader());
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.keep(response);
    return response;
  }

  /**
   * Follows redirects from `url` until a page that is not a redirect, or one on `stopAt` (an origin + path
   * prefix). Returns the last response and the URL it came from.
   */
  async follow(url: string, stopAt?: string): Promise<{ response: Response; url: string }> {
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      if (stopAt && current.startsWith(stopAt))
        return { response: await this.request(current), url: current };
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
      await response.body?.cancel();
      current = new URL(location, current).href;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /**
   * Signs in: starts at Seatwise, fills the provider's form as `login`, and returns where Seatwise sent the
   * browser at the end (the page, or `/?signInError=…`).
   */
  async signIn(seatwise: string, login: string, returnTo = '/'): Promise<string> {
    const form = await this.follow(
      `${seatwise}/api/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`,
    );
    const html = await form.response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action)
      throw new Error(`no sign-in form at ${form.url}: ${form.response.status} ${html.slice(0, 300)}`);
    const submitted = await this.request(new URL(action, form.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString(),
    });
    const next = new URL(submitted.headers.get('location')!, form.url).href;
    const back = await this.follow(next, `${seatwise}/api/auth/oidc/callback`);
    return this.landing(back.response, seatwise);
  }

  /** Where Seatwise's answer to the callback sends the browser (a path). */
  landing(response: Response, seatwise: string): string {
    const location = response.headers.get('location') ?? '';
    return location.startsWith(seatwise) ? location.slice(seatwise.length) : location;
  }

  /** Calls Seatwise as this browser (cookie session, CSRF token for changes). */
  async api(
    seatwise: string,
    method: string,
    path: string,
    body?: unknown,
    csrf?: string,
  ): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (csrf) headers['x-csrf-token'] = csrf;
    const response = await this.request(`${seatwise}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed as any };
  }
}
