import { GloveboxError } from '@glovebox/core';

/** The `snapshot` object at the head of a `.heapsnapshot` file, as V8 writes it. */
export interface SnapshotHeader {
  meta: {
    node_fields: string[];
    node_types: unknown[];
    edge_fields: string[];
    edge_types: unknown[];
    [key: string]: unknown;
  };
  node_count: number;
  edge_count: number;
  [key: string]: unknown;
}

/** Where each field sits in the flat `nodes` and `edges` arrays, and the type ids that matter. */
export interface SnapshotLayout {
  nodeFields: number;
  nodeType: number;
  nodeName: number;
  nodeId: number;
  nodeSelfSize: number;
  nodeEdgeCount: number;
  edgeFields: number;
  edgeType: number;
  edgeName: number;
  edgeTo: number;
  nodeTypes: readonly string[];
  edgeTypes: readonly string[];
  /** Node type ids; -1 when this V8 does not have the type. */
  node: {
    string: number;
    cons: number;
    sliced: number;
    number: number;
    object: number;
    closure: number;
    code: number;
    regexp: number;
    array: number;
    hidden: number;
  };
  /** Edge type ids; -1 when absent. */
  edge: {
    context: number;
    element: number;
    property: number;
    internal: number;
    hidden: number;
    shortcut: number;
    weak: number;
  };
}

function fail(message: string): never {
  throw new GloveboxError('GBX_HEAP_FORMAT_INVALID', `heap snapshot format not understood: ${message}`);
}

function field(fields: string[], name: string): number {
  const i = fields.indexOf(name);
  if (i < 0) fail(`no "${name}" field`);
  return i;
}

function typeNames(types: unknown[], what: string): string[] {
  const first = types[0];
  if (!Array.isArray(first) || !first.every((t) => typeof t === 'string')) fail(`${what} types`);
  return first;
}

/** Reads the field layout from a snapshot header; throws GBX_HEAP_FORMAT_INVALID when it is not V8's. */
export function layoutOf(header: SnapshotHeader): SnapshotLayout {
  const m = header.meta;
  if (
    !m ||
    !Array.isArray(m.node_fields) ||
    !Array.isArray(m.edge_fields) ||
    !Array.isArray(m.node_types) ||
    !Array.isArray(m.edge_types)
  )
    fail('no meta');
  if (!Number.isSafeInteger(header.node_count) || !Number.isSafeInteger(header.edge_count)) fail('counts');
  const nodeTypes = typeNames(m.node_types, 'node');
  const edgeTypes = typeNames(m.edge_types, 'edge');
  const n = (name: string) => nodeTypes.indexOf(name);
  const e = (name: string) => edgeTypes.indexOf(name);
  const layout: SnapshotLayout = {
    nodeFields: m.node_fields.length,
    nodeType: field(m.node_fields, 'type'),
    nodeName: field(m.node_fields, 'name'),
    nodeId: field(m.node_fields, 'id'),
    nodeSelfSize: field(m.node_fields, 'self_size'),
    nodeEdgeCount: field(m.node_fields, 'edge_count'),
    edgeFields: m.edge_fields.length,
    edgeType: field(m.edge_fields, 'type'),
    edgeName: field(m.edge_fields, 'name_or_index'),
    edgeTo: field(m.edge_fields, 'to_node'),
    nodeTypes,
    edgeTypes,
    node: {
      string: n('string'),
      cons: n('concatenated string'),
      sliced: n('sliced string'),
      number: n('number'),
      object: n('object'),
      closure: n('closure'),
      code: n('code'),
      regexp: n('regexp'),
      array: n('array'),
      hidden: n('hidden'),
    },
    edge: {
      context: e('context'),
      element: e('element'),
      property: e('property'),
      internal: e('internal'),
      hidden: e('hidden'),
      shortcut: e('shortcut'),
      weak: e('weak'),
    },
  };
  if (layout.node.string < 0 || layout.edge.element < 0 || layout.edge.hidden < 0) fail('type names');
  return layout;
}

/** True when an edge of this type names its target by index (a number), not by a string. */
export function edgeNamedByIndex(layout: SnapshotLayout, edgeType: number): boolean {
  return edgeType === layout.edge.element || edgeType === layout.edge.hidden;
}
