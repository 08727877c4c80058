/** A tiny HTML template for the sandbox's pages: interpolated values are escaped unless they are Html. */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

function escape(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const render = (value: unknown): string =>
    value instanceof Html ? value.value : Array.isArray(value) ? value.map(render).join("") : value == null || value === false ? "" : escape(value);
  return new Html(strings.reduce((out, string, index) => out + string + (index < values.length ? render(values[index]) : ""), ""));
}

export const STYLE = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a; background: #f2f2f2; margin: 0; }
  main { max-width: 720px; margin: 40px auto; background: #fff; border-radius: 12px; padding: 24px 28px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  h1 { font-size: 20px; margin-top: 0; } h2 { font-size: 16px; margin-top: 24px; }
  table { width: 100%; border-collapse: collapse; font-size: 13px; } td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #e5e5e5; }
  label.seller { display: block; padding: 8px 10px; border: 1px solid #d9d9d9; border-radius: 8px; margin: 6px 0; cursor: pointer; }
  button { font: inherit; padding: 8px 16px; border-radius: 8px; border: 1px solid #c9c9c9; background: #fff; cursor: pointer; margin-right: 8px; }
  button.primary { background: #006aff; border-color: #006aff; color: #fff; }
  code { background: #f5f5f5; padding: 1px 4px; border-radius: 4px; } .muted { color: #6b6b6b; }
`;

export function page(title: string, body: Html): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>${new Html(STYLE)}</style></head><body><main>${body}</main></body></html>`
    .value;
}
