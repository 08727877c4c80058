import { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import type { PrismaClient } from "~/db.server";
import type { Session as SessionRow } from "~/generated/prisma/client";
import { openSecret, sealSecret, type KeyRing } from "~/security/encryption.server";

/**
 * Shopify session storage on our Prisma schema (the official Prisma adapter requires Prisma 6).
 * Tokens are sealed with the key ring and bound to the session id, so a token copied to another row does not open.
 */
export class PrismaSessionStorage implements SessionStorage {
  constructor(
    private readonly prisma: () => Pick<PrismaClient, "session">,
    private readonly keyRing: () => KeyRing,
  ) {}

  async storeSession(session: Session): Promise<boolean> {
    const data = this.toRow(session);
    await this.prisma().session.upsert({ where: { id: session.id }, create: data, update: data });
    return true;
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const row = await this.prisma().session.findUnique({ where: { id } });
    return row ? this.fromRow(row) : undefined;
  }

  async deleteSession(id: string): Promise<boolean> {
    await this.prisma().session.deleteMany({ where: { id } });
    return true;
  }

  async deleteSessions(ids: string[]): Promise<boolean> {
    await this.prisma().session.deleteMany({ where: { id: { in: ids } } });
    return true;
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    const rows = await this.prisma().session.findMany({ where: { shop }, take: 25 });
    return rows.map((row) => this.fromRow(row));
  }

  private toRow(session: Session) {
    const user = session.onlineAccessInfo?.associated_user;
    const context = `session:${session.id}`;
    return {
      id: session.id,
      shop: session.shop,
      state: session.state,
      isOnline: session.isOnline,
      scope: session.scope ?? null,
      expires: session.expires ?? null,
      accessTokenEncrypted: sealSecret(this.keyRing(), session.accessToken ?? "", context),
      refreshTokenEncrypted: session.refreshToken ? sealSecret(this.keyRing(), session.refreshToken, context) : null,
      refreshTokenExpires: session.refreshTokenExpires ?? null,
      userId: user?.id === undefined ? null : BigInt(user.id),
      firstName: user?.first_name ?? null,
      lastName: user?.last_name ?? null,
      email: user?.email ?? null,
      accountOwner: user?.account_owner ?? false,
      locale: user?.locale ?? null,
      collaborator: user?.collaborator ?? null,
      emailVerified: user?.email_verified ?? null,
    };
  }

  private fromRow(row: SessionRow): Session {
    const context = `session:${row.id}`;
    const session = new Session({
      id: row.id,
      shop: row.shop,
      state: row.state,
      isOnline: row.isOnline,
      scope: row.scope ?? undefined,
      expires: row.expires ?? undefined,
      accessToken: openSecret(this.keyRing(), row.accessTokenEncrypted, context) || undefined,
      refreshToken: row.refreshTokenEncrypted ? openSecret(this.keyRing(), row.refreshTokenEncrypted, context) : undefined,
      refreshTokenExpires: row.refreshTokenExpires ?? undefined,
    });
    if (row.isOnline && row.userId !== null) {
      session.onlineAccessInfo = {
        associated_user: {
          id: Number(row.userId),
          first_name: row.firstName ?? undefined,
          last_name: row.lastName ?? undefined,
          email: row.email ?? undefined,
          account_owner: row.accountOwner,
          locale: row.locale ?? undefined,
          collaborator: row.collaborator ?? undefined,
          email_verified: row.emailVerified ?? undefined,
        },
      } as Session["onlineAccessInfo"];
    }
    return session;
  }
}
