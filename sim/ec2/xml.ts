import { XMLBuilder } from "fast-xml-parser";

export const EC2_XML_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";

/**
 * An XML element body: scalars become text, arrays become repeated `<item>` children (EC2 lists
 * are always `<fooSet><item>…</item></fooSet>`), undefined members are left out.
 */
export type XmlValue = string | number | boolean | undefined | XmlObject | XmlValue[];
export interface XmlObject {
  [element: string]: XmlValue;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  suppressEmptyNode: false,
  processEntities: true,
});

const DECLARATION = { "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" } };

/** Turns our XmlValue shape into the builder's: arrays wrap into `{ item: [...] }`. */
function toBuilderShape(value: XmlValue): unknown {
  if (Array.isArray(value)) return { item: value.map(toBuilderShape) };
  if (value !== null && typeof value === "object") {
    const shaped: Record<string, unknown> = {};
    for (const [element, member] of Object.entries(value)) {
      if (member === undefined) continue;
      shaped[element] = toBuilderShape(member);
    }
    return shaped;
  }
  return value;
}

/** `<ActionResponse xmlns=…><requestId>…</requestId>…body…</ActionResponse>` */
export function successXml(action: string, requestId: string, body: XmlObject): string {
  const shaped = toBuilderShape({ requestId, ...body }) as Record<string, unknown>;
  return builder.build({ ...DECLARATION, [`${action}Response`]: { "@_xmlns": EC2_XML_NAMESPACE, ...shaped } });
}

/** The EC2 error document: `<Response><Errors><Error>…</Error></Errors><RequestID>…</RequestID></Response>`. */
export function errorXml(code: string, message: string, requestId: string): string {
  return builder.build({
    ...DECLARATION,
    Response: { Errors: { Error: { Code: code, Message: message } }, RequestID: requestId },
  });
}
