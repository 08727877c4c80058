/**
 * Pages in both merchant areas' navigation whose feature is not built yet. Each says so plainly and what it
 * will do. When a feature arrives it gets its own routes (app.<feature>.tsx, square.<feature>.tsx), which take
 * precedence, and leaves this list.
 */
export const UPCOMING_FEATURES: Record<string, { title: string; summary: string; plan: string[] }> = {
  loyalty: {
    title: "Loyalty",
    summary: "Loyalty gives each customer one points balance, earned in your store and online.",
    plan: ["set how many points a purchase earns", "see each customer's balance in Shopify and at the Square register", "let customers redeem points in either channel"],
  },
  settings: {
    title: "Settings",
    summary: "Settings will hold your sync preferences and notification choices.",
    plan: [
      "choose which syncs run and how often reconciliation checks your data",
      "choose who is told when something needs attention",
      "review the privacy requests Tillbridge has answered for your store",
    ],
  },
};
