import { useEffect, useRef, type ReactNode } from "react";

/**
 * Wraps a Polaris IndexTable. When its columns do not fit (the admin's frame is narrow, the merchant's screen may
 * be too), the table scrolls sideways inside Polaris' own container, which takes no keyboard focus: without a
 * pointer the columns past the edge could not be reached (WCAG 2.1.1; axe's scrollable-region-focusable). Polaris
 * has no prop for it, so the container is made focusable, and named (a focusable region needs a name), here.
 */
export function KeyboardScrollable({ label, children }: { label: string; children: ReactNode }) {
  const wrapper = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Every render: Polaris may replace the container (an empty table has none).
    const container = wrapper.current?.querySelector<HTMLElement>(".Polaris-IndexTable-ScrollContainer");
    if (!container) return;
    container.tabIndex = 0;
    container.setAttribute("role", "region");
    container.setAttribute("aria-label", label);
  });
  return <div ref={wrapper}>{children}</div>;
}
