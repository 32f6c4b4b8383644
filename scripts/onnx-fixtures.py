#!/usr/bin/env python3
"""Writes the interoperability fixtures: small PyTorch models exported with torch.onnx.export, a few
hand-written graphs in the layout Keras models reach ONNX in (tf2onnx), and PyTorch state_dicts saved in
the safetensors format, each with the inputs it was run on and the outputs PyTorch computed.

Needs Debian's python3-torch and python3-onnx (nothing else; the safetensors format is written here):
    python3 scripts/onnx-fixtures.py            # writes test/fixtures/onnx/ and test/fixtures/pytorch/
    python3 scripts/onnx-fixtures.py --check F [P]  # loads a state_dict written by model.save(F, { layout: 'pytorch' })
        into the module of the fixture it is named after and compares its predictions with the fixture's,
        or with P: a JSON { inputShape, input (NCHW), output } of what Rectifier predicted

Everything is seeded, so a rerun with the same PyTorch and ONNX versions writes the same files. The
tests read only what this script commits, so CI needs no Python.

Layout of <name>.json next to <name>.onnx:
  opset, producer, layout ("NCHW", "NHWC" or "features": how the graph's input is laid out),
  inputShape / input (flat, row-major in that layout), outputShape / output (PyTorch's),
  ops (the operator types of the graph in order), notes.
"""
import io
import json
import math
import os
import struct
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
ONNX_DIR = os.path.join(ROOT, 'test', 'fixtures', 'onnx')
TORCH_DIR = os.path.join(ROOT, 'test', 'fixtures', 'pytorch')

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def floats(t):
    """A tensor's values as a flat list of float32 values written exactly (repr of the float32)."""
    return [float(v) for v in t.detach().to(torch.float32).reshape(-1).numpy().astype(np.float32)]


def randomise(model, seed):
    """Non-trivial weights everywhere (batch-norm statistics and PReLU slopes included), from one seed."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                n = m.num_features
                m.weight.copy_(0.5 + torch.rand(n, generator=g))
                m.bias.copy_(torch.randn(n, generator=g) * 0.3)
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.5)
                m.running_var.copy_(0.5 + torch.rand(n, generator=g))
                m.num_batches_tracked.fill_(7)
            elif isinstance(m, nn.PReLU):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.5)
    return model


def graph_ops(model_proto):
    return [n.op_type for n in model_proto.graph.node]


def write_fixture(name, proto, meta):
    os.makedirs(ONNX_DIR, exist_ok=True)
    with open(os.path.join(ONNX_DIR, name + '.onnx'), 'wb') as f:
        f.write(proto.SerializeToString())
    with open(os.path.join(ONNX_DIR, name + '.json'), 'w') as f:
        json.dump(meta, f, separators=(',', ':'))
        f.write('\n')


RECORD = []  # (name, opset, ops, notes) for the README


def export_torch(name, model, sample_shape, opset, layout, notes='', dynamic=True, scale=2.0, seed=0, fresh=False):
    """Exports `model` (eval mode) at `opset` with a symbolic batch axis, runs it on a batch of 3 (the
    export traces a batch of 2, so the fixture also checks that the batch axis really is dynamic).
    `fresh` keeps PyTorch's initial batch-norm statistics and PReLU slopes."""
    if not fresh:
        randomise(model, seed + 1)
    model.eval()
    g = torch.Generator().manual_seed(seed + 2)
    trace = torch.randn((2, *sample_shape), generator=g)
    x = torch.randn((3 if dynamic else 2, *sample_shape), generator=g) * scale
    buf = io.BytesIO()
    torch.onnx.export(
        model, trace, buf, opset_version=opset, input_names=['input'], output_names=['output'],
        dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}} if dynamic else None,
    )
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto)
    with torch.no_grad():
        y = model(x)
    ops = graph_ops(proto)
    write_fixture(name, proto, {
        'name': name, 'opset': opset, 'producer': f'pytorch {torch.__version__}', 'layout': layout,
        'inputShape': list(x.shape), 'input': floats(x), 'outputShape': list(y.shape), 'output': floats(y),
        'ops': ops, 'notes': notes,
    })
    RECORD.append((name, opset, ops, notes))


# ------------------------------------------------------------------------------------------------
# Multilayer perceptrons, one per activation PyTorch exports, spread over opsets 13–17.

ACTIVATIONS = [
    ('relu', lambda: nn.ReLU(), [13, 14, 15, 16, 17], ''),
    ('leaky_relu', lambda: nn.LeakyReLU(0.1), [13], ''),
    ('prelu_shared', lambda: nn.PReLU(), [14], 'one slope for every feature'),
    ('prelu_channels', lambda: nn.PReLU(8), [15], 'one slope per feature'),
    ('elu', lambda: nn.ELU(0.5), [16], ''),
    ('selu', lambda: nn.SELU(), [17], ''),
    ('celu', lambda: nn.CELU(0.7), [13], ''),
    ('gelu', lambda: nn.GELU(), [13, 17], 'the Div/Erf/Add/Mul form (ONNX Gelu exists from opset 20 only)'),
    ('gelu_tanh', lambda: nn.GELU(approximate='tanh'), [14, 17], 'the tanh approximation written out in Mul/Add/Tanh'),
    ('silu', lambda: nn.SiLU(), [15], 'x * Sigmoid(x)'),
    ('mish', lambda: nn.Mish(), [16], 'x * Tanh(Softplus(x)) (ONNX Mish exists from opset 18 only)'),
    ('softplus', lambda: nn.Softplus(), [17], ''),
    ('softplus_beta', lambda: nn.Softplus(beta=2.0), [13], 'Div(Softplus(Mul(x, beta)), beta)'),
    ('sigmoid', lambda: nn.Sigmoid(), [14], ''),
    ('tanh', lambda: nn.Tanh(), [15], ''),
    ('hardsigmoid', lambda: nn.Hardsigmoid(), [16], 'HardSigmoid(alpha=1/6, beta=0.5)'),
    ('hardswish', lambda: nn.Hardswish(), [13, 14], 'x * HardSigmoid(x) at opset 13, HardSwish from 14'),
    ('softsign', lambda: nn.Softsign(), [17], 'Div(x, Add(Abs(x), 1))'),
    ('relu6', lambda: nn.ReLU6(), [13, 16], 'Clip with min and max as Constant inputs'),
    ('rrelu', lambda: nn.RReLU(0.1, 0.3), [15], 'inference: LeakyRelu with the mean slope'),
]


def mlp(act):
    return nn.Sequential(nn.Linear(6, 8), act, nn.Linear(8, 3))


class MatMulAdd(nn.Module):
    """Hand-written x @ W + b, which torch exports as MatMul + Add rather than Gemm."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(11)
        self.w = nn.Parameter(torch.randn(6, 8, generator=g) * 0.4)
        self.b = nn.Parameter(torch.randn(8, generator=g) * 0.1)
        self.out = nn.Linear(8, 3, bias=False)

    def forward(self, x):
        return self.out(torch.tanh(x @ self.w + self.b))


class FlattenView(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class FlattenReshape(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.features = features

    def forward(self, x):
        return x.reshape(-1, self.features)


def torch_fixtures():
    for act_name, make, opsets, notes in ACTIVATIONS:
        for opset in opsets:
            export_torch(f'mlp_{act_name}_opset{opset}', mlp(make()), (6,), opset, 'features', notes, seed=opset)
    export_torch('mlp_matmul_add_opset15', MatMulAdd(), (6,), 15, 'features', 'x @ W + b exports as MatMul + Add; Linear without bias as MatMul', seed=3)
    export_torch('mlp_batchnorm_opset14', nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 3)),
                 (6,), 14, 'features', 'BatchNormalization on [batch, features]; Dropout disappears in eval mode', seed=4)
    export_torch('mlp_batchnorm_fresh_opset16', nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.Linear(8, 3)),
                 (6,), 16, 'features', "a new BatchNorm1d: its weight equals its running variance, so the export stores one and adds an Identity", seed=15, fresh=True)
    export_torch('mlp_static_batch_opset13', mlp(nn.ReLU()), (6,), 13, 'features', 'no dynamic axes: the batch is fixed at 2 in the graph', dynamic=False, seed=5)
    export_torch('mlp_flatten_nchw_opset16', nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 5), nn.ReLU(), nn.Linear(5, 3)),
                 (2, 4, 4), 16, 'NCHW', 'Flatten of the NCHW input straight into a Linear', seed=6)
    export_torch('mlp_hardtanh_opset13', mlp(nn.Hardtanh()), (6,), 13, 'features',
                 'Clip(-1, 1): no activation of the table computes it, so the importer must refuse it', seed=7)

    # Convolutional networks on 3×8×8 images (NCHW in PyTorch).
    export_torch('cnn_conv_pool_opset13', nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Dropout(0.5), nn.Linear(6 * 2 * 2, 5),
    ), (3, 8, 8), 13, 'NCHW', 'padding 1 with stride 1 is TensorFlow\'s "same"; with stride 2 it is not', seed=8)
    export_torch('cnn_conv_batchnorm_opset15', nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU6(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 5),
    ), (3, 8, 8), 15, 'NCHW', 'BatchNorm2d right after Conv2d is folded into the Conv at export', seed=9)
    export_torch('cnn_batchnorm_after_relu_opset17', nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2), nn.ReLU(), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4 * 3 * 3, 5),
    ), (3, 8, 8), 17, 'NCHW', 'BatchNorm2d after an activation stays a BatchNormalization node', seed=10)
    export_torch('cnn_avgpool_pad_opset14', nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.GELU(), nn.AvgPool2d(3, stride=2, padding=1), nn.PReLU(4), nn.Flatten(), nn.Linear(4 * 3 * 3, 5),
    ), (3, 8, 8), 14, 'NCHW', 'AvgPool2d with padding (count_include_pad) exports as Pad + AveragePool; PReLU per channel', seed=11)
    export_torch('cnn_pool_padding_opset16', nn.Sequential(
        nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0)), nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1),
        nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False), nn.Flatten(), nn.Linear(4 * 2 * 4, 5),
    ), (3, 8, 8), 16, 'NCHW', 'asymmetric kernel and stride; MaxPool and AveragePool with pads in the node', seed=12)
    export_torch('cnn_view_opset13', nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.SiLU(), FlattenView(), nn.Linear(4 * 4 * 4, 5),
    ), (3, 8, 8), 13, 'NCHW', 'x.view(x.size(0), -1): Shape/Gather/Unsqueeze/Concat feeding Reshape', seed=13)
    export_torch('cnn_reshape_opset17', nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False), nn.ELU(), FlattenReshape(4 * 4 * 4), nn.Linear(4 * 4 * 4, 5, bias=False),
    ), (3, 8, 8), 17, 'NCHW', 'reshape(-1, n) with a constant shape; Conv and Linear without bias', seed=14)


# ------------------------------------------------------------------------------------------------
# Hand-written graphs in the form tf2onnx gives Keras models: the input stays NHWC, a Transpose to NCHW
# before the first Conv and back to NHWC before the Keras Flatten, Dense as MatMul + Add with the
# [in, out] kernel, 'same' padding as explicit pads or auto_pad SAME_UPPER, a Softmax at the end.
# TensorFlow is not packaged in Debian, so these are modelled on tf2onnx's output rather than made by it;
# PyTorch computes their expected outputs from the same weights.

def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def keras_fixtures():
    rng = np.random.default_rng(20)
    opset = 13

    # keras_cnn: Conv2D(4, 3, padding='same') relu → MaxPool2D(2) → Flatten → Dense(6, relu) → Dense(3, softmax)
    hwio = rng.normal(0, 0.4, (3, 3, 3, 4)).astype(np.float32)
    b1 = rng.normal(0, 0.1, 4).astype(np.float32)
    k2 = rng.normal(0, 0.3, (4 * 4 * 4, 6)).astype(np.float32)
    b2 = rng.normal(0, 0.1, 6).astype(np.float32)
    k3 = rng.normal(0, 0.5, (6, 3)).astype(np.float32)
    b3 = rng.normal(0, 0.1, 3).astype(np.float32)
    p = 'StatefulPartitionedCall/sequential/'
    nodes = [
        helper.make_node('Transpose', ['input_1'], [p + 'conv2d/Conv2D__6:0'], name=p + 'conv2d/Conv2D__6', perm=[0, 3, 1, 2]),
        helper.make_node('Conv', [p + 'conv2d/Conv2D__6:0', 'const_fold_opt__20', p + 'conv2d/BiasAdd/ReadVariableOp:0'], [p + 'conv2d/BiasAdd:0'],
                         name=p + 'conv2d/BiasAdd', dilations=[1, 1], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], group=1),
        helper.make_node('Relu', [p + 'conv2d/BiasAdd:0'], [p + 'conv2d/Relu:0'], name=p + 'conv2d/Relu'),
        helper.make_node('MaxPool', [p + 'conv2d/Relu:0'], [p + 'max_pooling2d/MaxPool:0'], name=p + 'max_pooling2d/MaxPool', kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node('Transpose', [p + 'max_pooling2d/MaxPool:0'], [p + 'max_pooling2d/MaxPool__16:0'], name=p + 'max_pooling2d/MaxPool__16', perm=[0, 2, 3, 1]),
        helper.make_node('Reshape', [p + 'max_pooling2d/MaxPool__16:0', 'const_fold_opt__21'], [p + 'flatten/Reshape:0'], name=p + 'flatten/Reshape'),
        helper.make_node('MatMul', [p + 'flatten/Reshape:0', p + 'dense/MatMul/ReadVariableOp:0'], [p + 'dense/MatMul:0'], name=p + 'dense/MatMul'),
        helper.make_node('Add', [p + 'dense/MatMul:0', p + 'dense/BiasAdd/ReadVariableOp:0'], [p + 'dense/BiasAdd:0'], name=p + 'dense/BiasAdd'),
        helper.make_node('Relu', [p + 'dense/BiasAdd:0'], [p + 'dense/Relu:0'], name=p + 'dense/Relu'),
        helper.make_node('MatMul', [p + 'dense/Relu:0', p + 'dense_1/MatMul/ReadVariableOp:0'], [p + 'dense_1/MatMul:0'], name=p + 'dense_1/MatMul'),
        helper.make_node('Add', [p + 'dense_1/MatMul:0', p + 'dense_1/BiasAdd/ReadVariableOp:0'], [p + 'dense_1/BiasAdd:0'], name=p + 'dense_1/BiasAdd'),
        helper.make_node('Softmax', [p + 'dense_1/BiasAdd:0'], ['dense_1'], name=p + 'dense_1/Softmax', axis=1),
    ]
    inits = [
        tensor('const_fold_opt__20', hwio.transpose(3, 2, 0, 1)),  # tf2onnx folds the HWIO → OIHW Transpose
        tensor(p + 'conv2d/BiasAdd/ReadVariableOp:0', b1),
        numpy_helper.from_array(np.array([-1, 64], dtype=np.int64), 'const_fold_opt__21'),
        tensor(p + 'dense/MatMul/ReadVariableOp:0', k2), tensor(p + 'dense/BiasAdd/ReadVariableOp:0', b2),
        tensor(p + 'dense_1/MatMul/ReadVariableOp:0', k3), tensor(p + 'dense_1/BiasAdd/ReadVariableOp:0', b3),
    ]
    graph = helper.make_graph(nodes, 'tf2onnx', [helper.make_tensor_value_info('input_1', TensorProto.FLOAT, ['unk__22', 8, 8, 3])],
                              [helper.make_tensor_value_info('dense_1', TensorProto.FLOAT, ['unk__23', 3])], inits)
    proto = helper.make_model(graph, producer_name='tf2onnx', producer_version='1.9.3', opset_imports=[helper.make_opsetid('', opset)])
    onnx.checker.check_model(proto)
    x = torch.from_numpy(rng.normal(0, 1, (3, 8, 8, 3)).astype(np.float32))
    with torch.no_grad():
        h = F.conv2d(x.permute(0, 3, 1, 2), torch.from_numpy(hwio).permute(3, 2, 0, 1), torch.from_numpy(b1), padding=1).relu()
        h = F.max_pool2d(h, 2).permute(0, 2, 3, 1).reshape(3, -1)
        h = (h @ torch.from_numpy(k2) + torch.from_numpy(b2)).relu()
        y = torch.softmax(h @ torch.from_numpy(k3) + torch.from_numpy(b3), dim=1)
    write_fixture('keras_cnn_opset13', proto, {
        'name': 'keras_cnn_opset13', 'opset': opset, 'producer': 'hand-written after tf2onnx 1.9', 'layout': 'NHWC',
        'inputShape': list(x.shape), 'input': floats(x), 'outputShape': list(y.shape), 'output': floats(y), 'ops': graph_ops(proto),
        'notes': 'Keras Conv2D/MaxPool2D/Flatten/Dense as tf2onnx writes them; ends in Softmax',
    })
    RECORD.append(('keras_cnn_opset13', opset, graph_ops(proto), 'hand-written, tf2onnx form'))

    # keras_gelu: Conv2D(3, 3, strides=2, padding='same') → Conv2D(2, 2, 'valid') → Flatten → Dense(4, gelu) → Dense(2)
    # 'same' as auto_pad=SAME_UPPER; Keras' erf GELU written x*0.5*(1+erf(x*0.7071)); the last Dense as Gemm.
    opset = 15
    w1 = rng.normal(0, 0.4, (3, 3, 2, 3)).astype(np.float32)
    c1 = rng.normal(0, 0.1, 3).astype(np.float32)
    w2 = rng.normal(0, 0.4, (2, 2, 3, 2)).astype(np.float32)
    c2 = rng.normal(0, 0.1, 2).astype(np.float32)
    k3 = rng.normal(0, 0.4, (2 * 2 * 2, 4)).astype(np.float32)
    b3 = rng.normal(0, 0.1, 4).astype(np.float32)
    k4 = rng.normal(0, 0.5, (4, 2)).astype(np.float32)
    b4 = rng.normal(0, 0.1, 2).astype(np.float32)
    p = 'model/'
    nodes = [
        helper.make_node('Transpose', ['input'], [p + 't0'], name=p + 'conv2d/Conv2D__5', perm=[0, 3, 1, 2]),
        helper.make_node('Conv', [p + 't0', p + 'conv2d/kernel', p + 'conv2d/bias'], [p + 'c1'], name=p + 'conv2d/BiasAdd',
                         auto_pad='SAME_UPPER', kernel_shape=[3, 3], strides=[2, 2]),
        helper.make_node('Conv', [p + 'c1', p + 'conv2d_1/kernel', p + 'conv2d_1/bias'], [p + 'c2'], name=p + 'conv2d_1/BiasAdd',
                         auto_pad='VALID', kernel_shape=[2, 2], strides=[1, 1]),
        helper.make_node('Transpose', [p + 'c2'], [p + 't1'], name=p + 'conv2d_1/BiasAdd__12', perm=[0, 2, 3, 1]),
        helper.make_node('Flatten', [p + 't1'], [p + 'f'], name=p + 'flatten/Reshape', axis=1),
        helper.make_node('MatMul', [p + 'f', p + 'dense/kernel'], [p + 'm'], name=p + 'dense/MatMul'),
        helper.make_node('Add', [p + 'dense/bias', p + 'm'], [p + 'a'], name=p + 'dense/BiasAdd'),
        helper.make_node('Mul', [p + 'a', p + 'gelu/Cast/x'], [p + 'g0'], name=p + 'dense/Gelu/mul'),
        helper.make_node('Mul', [p + 'a', p + 'gelu/Cast_1/x'], [p + 'g1'], name=p + 'dense/Gelu/truediv'),
        helper.make_node('Erf', [p + 'g1'], [p + 'g2'], name=p + 'dense/Gelu/Erf'),
        helper.make_node('Add', [p + 'g2', p + 'gelu/add/x'], [p + 'g3'], name=p + 'dense/Gelu/add'),
        helper.make_node('Mul', [p + 'g0', p + 'g3'], [p + 'g4'], name=p + 'dense/Gelu/mul_1'),
        helper.make_node('Gemm', [p + 'g4', p + 'dense_1/kernel', p + 'dense_1/bias'], ['dense_1'], name=p + 'dense_1/BiasAdd'),
    ]
    inits = [
        tensor(p + 'conv2d/kernel', w1.transpose(3, 2, 0, 1)), tensor(p + 'conv2d/bias', c1),
        tensor(p + 'conv2d_1/kernel', w2.transpose(3, 2, 0, 1)), tensor(p + 'conv2d_1/bias', c2),
        tensor(p + 'dense/kernel', k3), tensor(p + 'dense/bias', b3),
        tensor(p + 'gelu/Cast/x', 0.5), tensor(p + 'gelu/Cast_1/x', 0.7071067811865476), tensor(p + 'gelu/add/x', 1.0),
        tensor(p + 'dense_1/kernel', k4), tensor(p + 'dense_1/bias', b4),
    ]
    graph = helper.make_graph(nodes, 'tf2onnx', [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', 6, 6, 2])],
                              [helper.make_tensor_value_info('dense_1', TensorProto.FLOAT, ['N', 2])], inits)
    proto = helper.make_model(graph, producer_name='tf2onnx', producer_version='1.9.3', opset_imports=[helper.make_opsetid('', opset)])
    onnx.checker.check_model(proto)
    x = torch.from_numpy(rng.normal(0, 1, (3, 6, 6, 2)).astype(np.float32))
    with torch.no_grad():
        # TensorFlow's 'same' for 6 → 3 with a 3×3 window and stride 2 pads 0 before and 1 after.
        h = F.pad(x.permute(0, 3, 1, 2), (0, 1, 0, 1))
        h = F.conv2d(h, torch.from_numpy(w1).permute(3, 2, 0, 1), torch.from_numpy(c1), stride=2)
        h = F.conv2d(h, torch.from_numpy(w2).permute(3, 2, 0, 1), torch.from_numpy(c2))
        h = h.permute(0, 2, 3, 1).reshape(3, -1)
        h = F.gelu(h @ torch.from_numpy(k3) + torch.from_numpy(b3))
        y = h @ torch.from_numpy(k4) + torch.from_numpy(b4)
    write_fixture('keras_gelu_opset15', proto, {
        'name': 'keras_gelu_opset15', 'opset': opset, 'producer': 'hand-written after tf2onnx 1.9', 'layout': 'NHWC',
        'inputShape': list(x.shape), 'input': floats(x), 'outputShape': list(y.shape), 'output': floats(y), 'ops': graph_ops(proto),
        'notes': "auto_pad SAME_UPPER and VALID; Keras' erf GELU as Mul/Erf/Add/Mul; Flatten after the NHWC Transpose; Gemm",
    })
    RECORD.append(('keras_gelu_opset15', opset, graph_ops(proto), 'hand-written, tf2onnx form'))

    # ThresholdedRelu: no PyTorch module exports it (nn.Threshold with a non-zero threshold does not export).
    opset = 13
    k1 = rng.normal(0, 0.5, (6, 8)).astype(np.float32)
    b1 = rng.normal(0, 0.1, 8).astype(np.float32)
    k2 = rng.normal(0, 0.5, (8, 3)).astype(np.float32)
    nodes = [
        helper.make_node('Gemm', ['x', 'w1', 'b1'], ['h'], name='dense'),
        helper.make_node('ThresholdedRelu', ['h'], ['t'], name='thresholded_relu', alpha=0.5),
        helper.make_node('MatMul', ['t', 'w2'], ['y'], name='dense_1'),
    ]
    graph = helper.make_graph(nodes, 'thresholded', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['batch', 6])],
                              [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['batch', 3])],
                              [tensor('w1', k1), tensor('b1', b1), tensor('w2', k2)])
    proto = helper.make_model(graph, producer_name='onnx.helper', opset_imports=[helper.make_opsetid('', opset)])
    onnx.checker.check_model(proto)
    x = torch.from_numpy(rng.normal(0, 1.5, (3, 6)).astype(np.float32))
    with torch.no_grad():
        h = x @ torch.from_numpy(k1) + torch.from_numpy(b1)
        y = torch.where(h > 0.5, h, torch.zeros_like(h)) @ torch.from_numpy(k2)
    write_fixture('mlp_thresholded_relu_opset13', proto, {
        'name': 'mlp_thresholded_relu_opset13', 'opset': opset, 'producer': 'hand-written', 'layout': 'features',
        'inputShape': list(x.shape), 'input': floats(x), 'outputShape': list(y.shape), 'output': floats(y), 'ops': graph_ops(proto),
        'notes': 'ThresholdedRelu(alpha=0.5); the last Dense without bias as a lone MatMul',
    })
    RECORD.append(('mlp_thresholded_relu_opset13', opset, graph_ops(proto), 'hand-written'))


# ------------------------------------------------------------------------------------------------
# PyTorch state_dicts in the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte
# little-endian header length, the JSON header (padded with spaces to a multiple of 8), then the data.
# Written here because Debian does not package the safetensors module; the bytes are what
# safetensors.torch.save_file writes (tensors sorted by name, "__metadata__": {"format": "pt"}).

DTYPES = {torch.float32: 'F32', torch.int64: 'I64'}


def save_safetensors(path, state):
    header, chunks, offset = {'__metadata__': {'format': 'pt'}}, [], 0
    for name in sorted(state):
        t = state[name].detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))


def load_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        dtype = {'F32': np.float32, 'I64': np.int64}[e['dtype']]
        begin, end = e['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(raw[8 + n + begin:8 + n + end], dtype=dtype).reshape(e['shape']).copy())
    return out


STATE_DICT_MODELS = {
    'mlp': lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.PReLU(8), nn.BatchNorm1d(8), nn.Linear(8, 3)),
    'cnn': lambda: nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 5, 3), nn.Tanh(), nn.Flatten(), nn.Linear(5 * 2 * 2, 3),
    ),
}
STATE_DICT_INPUTS = {'mlp': (6,), 'cnn': (2, 8, 8)}


def state_dict_fixtures():
    os.makedirs(TORCH_DIR, exist_ok=True)
    for i, (name, make) in enumerate(STATE_DICT_MODELS.items()):
        torch.manual_seed(30 + i)
        model = randomise(make(), 40 + i).eval()
        save_safetensors(os.path.join(TORCH_DIR, name + '.safetensors'), model.state_dict())
        g = torch.Generator().manual_seed(50 + i)
        x = torch.randn((3, *STATE_DICT_INPUTS[name]), generator=g) * 1.5
        with torch.no_grad():
            y = model(x)
        with open(os.path.join(TORCH_DIR, name + '.json'), 'w') as f:
            json.dump({
                'name': name, 'producer': f'pytorch {torch.__version__}', 'module': repr(model),
                'layout': 'NCHW' if len(x.shape) == 4 else 'features',
                'inputShape': list(x.shape), 'input': floats(x), 'outputShape': list(y.shape), 'output': floats(y),
                'stateDict': {k: list(v.shape) for k, v in model.state_dict().items()},
            }, f, separators=(',', ':'))
            f.write('\n')


def check_saved(path, predictions=None):
    """Loads a state_dict written by Rectifier into the matching module and compares its predictions
    with the fixture's (or Rectifier's): the reverse direction of loadWeights, which CI cannot run
    without PyTorch."""
    name = os.path.basename(path).split('.')[0]
    with open(predictions or os.path.join(TORCH_DIR, name + '.json')) as f:
        fixture = json.load(f)
    model = STATE_DICT_MODELS[name]().eval()
    model.load_state_dict(load_safetensors(path), strict=True)
    x = torch.tensor(fixture['input']).reshape(fixture['inputShape'])
    with torch.no_grad():
        y = model(x).reshape(-1)
    want = torch.tensor(fixture['output'])
    err = (y - want).abs().max().item()
    print(f'{path}: load_state_dict(strict=True) accepted it; largest |difference| from the expected outputs {err:.3g}')
    return err <= 1e-5


# ------------------------------------------------------------------------------------------------

README = """# ONNX fixtures

Written by `scripts/onnx-fixtures.py` (PyTorch {torch}, ONNX {onnx}); do not edit by hand. Each
`<name>.onnx` comes with `<name>.json`: the opset, the layout of the input (`NCHW` for PyTorch images,
`NHWC` for the Keras-style graphs, `features` for vectors), an input batch of 3 and the outputs PyTorch
computed for it. Every graph has a symbolic batch axis except `mlp_static_batch_opset13`, and every
export traced a batch of 2, so running the batch of 3 also checks that the batch axis is dynamic.

The `keras_*` graphs and `mlp_thresholded_relu_opset13` are written with `onnx.helper`, not exported:
TensorFlow (and so tf2onnx) is not packaged in Debian, and no PyTorch module exports ThresholdedRelu
(`nn.Threshold` with a non-zero threshold does not export at all). The Keras-style graphs follow the
form tf2onnx gives a Keras model: the NHWC input goes through `Transpose(perm=[0,3,1,2])` before the
first Conv, whose HWIO kernel is stored already transposed to OIHW; a `Transpose(perm=[0,2,3,1])` brings
the result back to NHWC before the Keras Flatten (a `Reshape` to `[-1, n]` or a `Flatten`); Dense is
`MatMul` with the `[in, out]` kernel plus `Add`, or `Gemm`; padding is explicit `pads` or
`auto_pad=SAME_UPPER`; a classifier ends in `Softmax`. Their expected outputs are computed by PyTorch
from the same weights.

What each export produced (operator types in graph order):

| fixture | opset | operators | notes |
|---|---|---|---|
{rows}

Patterns seen across opsets 13–17 with this PyTorch:
- `nn.Linear` on a batch of vectors is `Gemm(transB=1)`; without bias it is a `MatMul` with the weight
  stored transposed; `x @ W + b` written by hand is `MatMul` + `Add`.
- `nn.BatchNorm2d` right after `nn.Conv2d` is folded into the Conv's weights and bias (no
  BatchNormalization node); elsewhere it is `BatchNormalization`, with ONNX's momentum (1 − PyTorch's).
  When two parameters hold equal values (a fresh BatchNorm's weight and running variance are both ones)
  the export keeps one initializer and adds an `Identity` node for the other.
- `nn.GELU()` is `Div(x, √2)`, `Erf`, `Add 1`, `Mul x`, `Mul 0.5` at every opset up to 17; the tanh form
  is written out in `Mul`/`Add`/`Tanh`; `nn.Mish` is `Softplus`/`Tanh`/`Mul`; `nn.SiLU` is
  `Sigmoid` + `Mul`; `nn.Softsign` is `Abs`/`Add`/`Div`; `nn.Hardswish` is `HardSigmoid` + `Mul` at
  opset 13 and `HardSwish` from 14; `nn.ReLU6` and `nn.Hardtanh` are `Clip` with `Constant` bounds.
- `nn.Softplus(beta, threshold)` exports `Div(Softplus(Mul(x, beta)), beta)`: the threshold is dropped,
  which matters only where beta·x exceeds it (the default 20 is past float32's resolution).
- `nn.AvgPool2d` is always `Pad` + `AveragePool` (with zero pads when the module has none) when
  `count_include_pad` is true, and an `AveragePool` with `pads` when it is false; `nn.MaxPool2d` keeps
  its `pads`.
- `nn.Flatten` is `Flatten(axis=1)`; `x.view(x.size(0), -1)` is `Shape`/`Gather`/`Unsqueeze`/`Concat`
  feeding `Reshape`; `x.reshape(-1, n)` is a `Reshape` with a constant shape.
- `nn.Dropout` leaves no node in an eval-mode export; `nn.RReLU` becomes `LeakyRelu` with the mean slope.

`../pytorch/` holds PyTorch state_dicts in the safetensors format with the inputs and outputs of the
modules they came from (printed in each JSON), for `loadWeights(model, path, {{ layout: 'pytorch' }})`.
"""


def write_readme():
    rows = '\n'.join(f"| `{n}` | {o} | {' '.join(ops)} | {notes} |" for n, o, ops, notes in RECORD)
    with open(os.path.join(ONNX_DIR, 'README.md'), 'w') as f:
        f.write(README.format(torch=torch.__version__, onnx=onnx.__version__, rows=rows))


def main():
    if len(sys.argv) in (3, 4) and sys.argv[1] == '--check':
        sys.exit(0 if check_saved(*sys.argv[2:]) else 1)
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    torch.manual_seed(0)  # module initialisation draws from the global generator, in the order below
    torch_fixtures()
    keras_fixtures()
    state_dict_fixtures()
    write_readme()
    total = sum(os.path.getsize(os.path.join(d, f)) for d in (ONNX_DIR, TORCH_DIR) for f in os.listdir(d))
    print(f'{len(RECORD)} ONNX fixtures and {len(STATE_DICT_MODELS)} state_dicts, {total / 1024:.0f} KiB in all')


if __name__ == '__main__':
    main()
