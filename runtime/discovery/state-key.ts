/**
 * The state object's key (S3) / blob name (Azure) a greenfield stack uses: both components name it
 * with components/aws/delivery.ts pairObjectKeys (AzureHaPair's pairBlobNames calls it too).
 */
export function defaultStateKey(label: string): string {
  const segment = label.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "") || "pair";
  return `ha-pair/${segment}/state.json`;
}
