/** S3's XML documents, built with fast-xml-parser so every value is escaped. */
import { XMLBuilder } from "fast-xml-parser";

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", suppressEmptyNode: false });

export const S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

/** Serializes `{ Root: {...} }` with the XML declaration S3 sends. */
export function s3Xml(document: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(document) as string}`;
}

export interface S3ErrorDetails {
  code: string;
  message: string;
  /** Extra elements S3 adds for the error: Key, BucketName, Condition, AWSAccessKeyId, Region... */
  extra?: Record<string, string>;
}

export function s3ErrorXml(error: S3ErrorDetails, requestId: string, hostId: string): string {
  return s3Xml({
    Error: { Code: error.code, Message: error.message, ...error.extra, RequestId: requestId, HostId: hostId },
  });
}
