/**
 * Node 18 compatibility for the Azure SDKs: @azure/storage-blob (and core-util's randomUUID)
 * call the Web Crypto API through the global `crypto`, which Node exposes by default only from
 * Node 19 on; on Node 18 it sits behind --experimental-global-webcrypto, and the Blob state
 * store then fails with "crypto is not defined". The agent supports Node 18, so the global is
 * provided from node:crypto's own webcrypto (the same object Node 19+ installs) when missing.
 * Imported first by the Azure provider, before any Azure SDK module is evaluated.
 */
import { webcrypto } from "node:crypto";

const global = globalThis as { crypto?: unknown };
if (global.crypto === undefined) global.crypto = webcrypto;
