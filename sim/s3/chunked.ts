/**
 * aws-chunked bodies: what SDKs send when they stream a payload with a trailing checksum
 * (x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER or STREAMING-AWS4-HMAC-SHA256-PAYLOAD).
 * Each chunk is `hex-size[;chunk-signature=...]\r\n<bytes>\r\n`, ended by a zero-size chunk and
 * optional trailer headers. The chunk signatures are not checked (the seed request's signature is).
 */
export function isAwsChunked(contentSha256: string | undefined, contentEncoding: string | undefined): boolean {
  return (contentSha256 ?? "").startsWith("STREAMING-") || (contentEncoding ?? "").split(",").some((e) => e.trim() === "aws-chunked");
}

export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf("\r\n", offset);
    if (lineEnd < 0) throw new Error("aws-chunked body: chunk header without CRLF");
    const header = body.subarray(offset, lineEnd).toString("latin1");
    const size = Number.parseInt(header.split(";")[0] ?? "", 16);
    if (!Number.isFinite(size) || size < 0) throw new Error(`aws-chunked body: bad chunk size "${header}"`);
    offset = lineEnd + 2;
    if (size === 0) break;
    parts.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
  return Buffer.concat(parts);
}
