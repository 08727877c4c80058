import { useEffect, type ReactNode } from "react";
import type { LinksFunction, MetaFunction } from "@remix-run/node";
import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteError,
} from "@remix-run/react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";

// Inline icon so browsers do not request /favicon.ico (a 404 there shows up
// as a console error on every page).
const favicon =
  "data:image/svg+xml," +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
      '<rect width="32" height="32" rx="6" fill="#1a1a1a"/>' +
      '<path d="M7 11h18M16 11v14M10 25h12" stroke="#fff" stroke-width="3" stroke-linecap="round"/>' +
      "</svg>"
  );

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: polarisStyles },
  { rel: "icon", href: favicon, type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "Tillbridge" }];

export function Layout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  // Marks the document once React has taken it over, for browser tests that press controls only JavaScript
  // handles (a menu button does nothing before then).
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return <Outlet />;
}

const errorPageStyle = {
  maxWidth: "40rem",
  margin: "4rem auto",
  padding: "0 1.5rem",
  fontFamily:
    "-apple-system, BlinkMacSystemFont, 'San Francisco', 'Segoe UI', Roboto, 'Helvetica Neue', sans-serif",
  lineHeight: 1.5,
  color: "#303030",
} as const;

function describeRouteError(status: number, statusText: string, data: unknown, internal: boolean) {
  const title =
    status === 404
      ? "Page not found"
      : status === 401 || status === 403
      ? "You don't have access to this page"
      : statusText || "Something went wrong";
  const message =
    // `internal` marks errors the router made itself (e.g. no route matched);
    // their text is for developers. Messages thrown by our own code are shown.
    !internal && typeof data === "string" && data.trim() !== ""
      ? data
      : status === 404
      ? "We couldn't find the page you were looking for. Check the address, or go back to the start."
      : "The request couldn't be completed.";
  return { title, message };
}

export function ErrorBoundary() {
  const error = useRouteError();

  let status: number | undefined;
  let title: string;
  let message: string;
  let details: string | undefined;

  if (isRouteErrorResponse(error)) {
    status = error.status;
    const internal = "internal" in error && error.internal === true;
    ({ title, message } = describeRouteError(error.status, error.statusText, error.data, internal));
  } else {
    title = "Something went wrong";
    message =
      "An unexpected error happened on our side. Please try again in a moment; if it keeps happening, contact support.";
    // Details only while developing: production never shows internals.
    if (import.meta.env.DEV && error instanceof Error) {
      details = error.stack ?? error.message;
    }
  }

  return (
    <main style={errorPageStyle}>
      {status !== undefined ? (
        <p style={{ margin: 0, fontSize: "0.875rem", color: "#616161" }}>Error {status}</p>
      ) : null}
      <h1 style={{ margin: "0.25rem 0 1rem", fontSize: "1.75rem", lineHeight: 1.25 }}>{title}</h1>
      <p>{message}</p>
      <p>
        <a href="/">Go to the Tillbridge home page</a>
      </p>
      {details ? (
        <pre
          style={{
            overflowX: "auto",
            padding: "1rem",
            background: "#f1f1f1",
            borderRadius: "0.5rem",
            fontSize: "0.8125rem",
          }}
        >
          {details}
        </pre>
      ) : null}
    </main>
  );
}
