import { resourceRef, type ActionContext, type Ec2Action, type Ec2ResourceType, type ResourceRef } from "./context.js";
import { Ec2Error, invalidParameterValue, KINDS, missingParameter, notFound, type ResourceKind } from "./errors.js";
import { applyFilters, type FilterTable } from "./filters.js";
import type { Ec2State, Tags } from "./state.js";
import type { XmlObject } from "./xml.js";

const MAX_TAGS_PER_RESOURCE = 50;

interface TaggableType {
  prefix: string;
  resourceType: Ec2ResourceType;
  kind: ResourceKind;
  collection: (state: Ec2State) => Record<string, { tags: Tags }>;
}

// Longest prefixes first, so "eipalloc-" is never mistaken for something shorter.
const TAGGABLE_TYPES: TaggableType[] = [
  { prefix: "eipalloc-", resourceType: "elastic-ip", kind: KINDS.allocation, collection: (state) => state.addresses },
  { prefix: "subnet-", resourceType: "subnet", kind: KINDS.subnet, collection: (state) => state.subnets },
  { prefix: "eni-", resourceType: "network-interface", kind: KINDS.networkInterface, collection: (state) => state.networkInterfaces },
  { prefix: "rtb-", resourceType: "route-table", kind: KINDS.routeTable, collection: (state) => state.routeTables },
  { prefix: "vpc-", resourceType: "vpc", kind: KINDS.vpc, collection: (state) => state.vpcs },
  { prefix: "i-", resourceType: "instance", kind: KINDS.instance, collection: (state) => state.instances },
];

interface TaggedResource {
  id: string;
  resourceType: Ec2ResourceType;
  holder: { tags: Tags };
  ref: ResourceRef;
}

function requireTaggable(state: Ec2State, id: string): TaggedResource {
  const type = TAGGABLE_TYPES.find((candidate) => id.startsWith(candidate.prefix));
  if (!type) throw new Ec2Error("InvalidID", `The ID '${id}' is not valid`);
  const holder = type.collection(state)[id];
  if (!holder) throw notFound(type.kind, [id]);
  return { id, resourceType: type.resourceType, holder, ref: resourceRef(state, type.resourceType, id, holder.tags) };
}

function requestedResources(context: ActionContext): TaggedResource[] {
  const ids = [...new Set(context.params.list("ResourceId"))];
  if (ids.length === 0) throw missingParameter("ResourceId");
  return ids.map((id) => requireTaggable(context.state, id));
}

const createTags: Ec2Action = {
  name: "CreateTags",
  mutating: true,
  run(context: ActionContext): XmlObject {
    const resources = requestedResources(context);
    const tags = context.params.tags("Tag");
    if (tags.length === 0) throw missingParameter("Tag");
    for (const tag of tags) {
      if (tag.key.toLowerCase().startsWith("aws:")) {
        throw invalidParameterValue(`Tag keys starting with 'aws:' are reserved for internal use (${tag.key})`);
      }
    }
    context.authorize(resources.map((resource) => resource.ref));
    for (const resource of resources) {
      const merged = { ...resource.holder.tags };
      for (const tag of tags) merged[tag.key] = tag.value ?? "";
      if (Object.keys(merged).length > MAX_TAGS_PER_RESOURCE) {
        throw new Ec2Error("TagLimitExceeded", `The maximum number of Tags for a resource has been reached (${resource.id}).`);
      }
      resource.holder.tags = merged;
    }
    return { return: true };
  },
};

const deleteTags: Ec2Action = {
  name: "DeleteTags",
  mutating: true,
  run(context: ActionContext): XmlObject {
    const resources = requestedResources(context);
    const tags = context.params.tags("Tag");
    context.authorize(resources.map((resource) => resource.ref));
    for (const resource of resources) {
      const remaining = { ...resource.holder.tags };
      if (tags.length === 0) {
        // No tags named: EC2 deletes all of the resource's tags.
        for (const key of Object.keys(remaining)) delete remaining[key];
      }
      for (const tag of tags) {
        // With a value, the tag goes only if its value matches (an empty value matches only an empty value).
        if (tag.value === undefined || remaining[tag.key] === tag.value) delete remaining[tag.key];
      }
      resource.holder.tags = remaining;
    }
    return { return: true };
  },
};

interface TagEntry {
  resourceId: string;
  resourceType: Ec2ResourceType;
  key: string;
  value: string;
  resourceTags: Tags;
}

const TAG_FILTERS: FilterTable<TagEntry> = {
  "resource-id": (entry) => [entry.resourceId],
  "resource-type": (entry) => [entry.resourceType],
  key: (entry) => [entry.key],
  value: (entry) => [entry.value],
};

const describeTags: Ec2Action = {
  name: "DescribeTags",
  mutating: false,
  run(context: ActionContext): XmlObject {
    const { params, state } = context;
    const filters = params.filters();
    context.authorize([]);
    const entries: TagEntry[] = [];
    for (const type of TAGGABLE_TYPES) {
      for (const [resourceId, holder] of Object.entries(type.collection(state))) {
        for (const [key, value] of Object.entries(holder.tags)) {
          entries.push({ resourceId, resourceType: type.resourceType, key, value, resourceTags: holder.tags });
        }
      }
    }
    const matching = applyFilters(entries, filters, TAG_FILTERS, state, (entry) => entry.resourceTags);
    return {
      tagSet: matching.map((entry) => ({
        key: entry.key,
        resourceId: entry.resourceId,
        resourceType: entry.resourceType,
        value: entry.value,
      })),
    };
  },
};

export const TAG_ACTIONS: Ec2Action[] = [createTags, deleteTags, describeTags];
