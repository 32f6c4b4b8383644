/**
 * The part of ONNX's schema (onnx/onnx.proto; field numbers are ONNX's own) that the exporter writes and
 * the importer reads, for protobufjs. IR version 8 and default-domain opset 17 (ONNX 1.12) by default:
 * what ONNX Runtime 1.12 and later read.
 */
import protobuf from 'protobufjs';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

/** TensorProto.DataType. */
export const DATA_TYPE = { FLOAT: 1, INT64: 7 } as const;
/** AttributeProto.AttributeType. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 }, producerName: { type: 'string', id: 2 }, producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 }, modelVersion: { type: 'int64', id: 5 }, docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 }, opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 }, name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 }, docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 }, output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 }, output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 }, opType: { type: 'string', id: 4 }, attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 }, f: { type: 'float', id: 2 }, i: { type: 'int64', id: 3 }, s: { type: 'bytes', id: 4 },
            floats: { rule: 'repeated', type: 'float', id: 7 }, ints: { rule: 'repeated', type: 'int64', id: 8 }, type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 }, dataType: { type: 'int32', id: 2 }, name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: {
          fields: { tensorType: { type: 'TypeProtoTensor', id: 1 } },
        },
        TypeProtoTensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: {
          oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
          fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } },
        },
      },
    },
  },
};

let modelType: protobuf.Type | null = null;

/** The ModelProto message type. */
export function modelProto(): protobuf.Type {
  return (modelType ??= protobuf.Root.fromJSON(SCHEMA).lookupType('onnx.ModelProto'));
}
