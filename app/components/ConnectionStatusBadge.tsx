import { Badge } from "@shopify/polaris";
import type { ConnectionStatus } from "~/generated/prisma/enums";

const presentation: Record<ConnectionStatus, { tone: "success" | "critical" | "warning" | undefined; label: string }> = {
  ACTIVE: { tone: "success", label: "Connected" },
  NEEDS_REAUTH: { tone: "critical", label: "Needs reconnecting" },
  PAUSED: { tone: "warning", label: "Paused" },
  DISCONNECTED: { tone: undefined, label: "Disconnected" },
};

export function ConnectionStatusBadge({ status }: { status: ConnectionStatus | "NOT_CONNECTED" }) {
  if (status === "NOT_CONNECTED") return <Badge>Not connected</Badge>;
  const { tone, label } = presentation[status];
  return <Badge tone={tone}>{label}</Badge>;
}
