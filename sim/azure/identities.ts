import { randomBytes } from "node:crypto";

/** Access tokens the simulated IMDS issued, by the managed identity (principal) they stand for. */
export class TokenRegistry {
  private readonly tokens = new Map<string, { principalId: string; expiresAt: number }>();

  issue(principalId: string, ttlSeconds = 86_399): { token: string; expiresIn: number } {
    // Opaque, not a JWT: the agent must treat tokens as opaque anyway.
    const token = `sim.${randomBytes(24).toString("base64url")}`;
    this.tokens.set(token, { principalId, expiresAt: Date.now() + ttlSeconds * 1000 });
    return { token, expiresIn: ttlSeconds };
  }

  principalOf(token: string): string | undefined {
    const entry = this.tokens.get(token);
    return entry && entry.expiresAt > Date.now() ? entry.principalId : undefined;
  }
}
