#!/usr/bin/env python3
"""Independent float64 reference values for the activation table, written from the papers' and
PyTorch's definitions with Python's math module (not from src/activations). Regenerate with
    python3 scripts/reference-values.py > test/fixtures/activation-reference.json
Values are rounded to float32 where they are compared (the tests do that)."""
import json, math

LAM = 1.0507009873554804934193349852946
ALP = 1.6732632423543772848170429916717
C = math.sqrt(2 / math.pi)

def sig(x):
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)

def sp(x):  # log(1 + e^x)
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))

def Phi(x): return 0.5 * math.erfc(-x / math.sqrt(2))
def phi(x): return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)

def gelu_tanh(x):
    u = C * (x + 0.044715 * x ** 3)
    return 0.5 * x * (1 + math.tanh(u)) if u > -15 else x * sig(2 * u)

def gelu_tanh_d(x):
    u = C * (x + 0.044715 * x ** 3)
    t = math.tanh(u)
    s = sig(2 * u)
    du = C * (1 + 3 * 0.044715 * x * x)
    # d/dx [x σ(2u)] = σ(2u) + x·2σ(2u)σ(−2u)·u'
    return s + x * 2 * s * sig(-2 * u) * du

def mish(x):
    return x * math.tanh(sp(x))

def mish_d(x):
    s = sp(x)
    return math.tanh(s) + (x * sig(x) / math.cosh(s) ** 2 if s < 350 else 0.0)

# (id, params, f, f') — finite x only; the tests cover ±Inf, NaN and kinks separately.
DEFS = [
    ('relu', {}, lambda x, p: max(x, 0.0), lambda x, p: 1.0 if x > 0 else 0.0),
    ('relu6', {}, lambda x, p: min(max(x, 0.0), 6.0), lambda x, p: 1.0 if 0 < x < 6 else 0.0),
    ('leaky_relu', {}, lambda x, p: x if x > 0 else 0.01 * x, lambda x, p: 1.0 if x > 0 else 0.01),
    ('leaky_relu', {'alpha': 0.2}, lambda x, p: x if x > 0 else 0.2 * x, lambda x, p: 1.0 if x > 0 else 0.2),
    ('prelu', {}, lambda x, p: x if x > 0 else 0.25 * x, lambda x, p: 1.0 if x > 0 else 0.25),
    ('rrelu', {}, lambda x, p: x if x > 0 else x * (1/8 + 1/3) / 2, lambda x, p: 1.0 if x > 0 else (1/8 + 1/3) / 2),
    ('elu', {}, lambda x, p: x if x > 0 else math.expm1(x), lambda x, p: 1.0 if x > 0 else math.exp(x)),
    ('elu', {'alpha': 0.5}, lambda x, p: x if x > 0 else 0.5 * math.expm1(x), lambda x, p: 1.0 if x > 0 else 0.5 * math.exp(x)),
    ('selu', {}, lambda x, p: LAM * (x if x > 0 else ALP * math.expm1(x)), lambda x, p: LAM * (1.0 if x > 0 else ALP * math.exp(x))),
    ('celu', {}, lambda x, p: x if x > 0 else min(0.0, math.expm1(x)), lambda x, p: 1.0 if x > 0 else math.exp(x)),
    ('celu', {'alpha': 2}, lambda x, p: x if x > 0 else min(0.0, 2 * math.expm1(x / 2)), lambda x, p: 1.0 if x > 0 else math.exp(x / 2)),
    ('gelu', {}, lambda x, p: x * Phi(x), lambda x, p: Phi(x) + x * phi(x)),
    ('gelu_tanh', {}, lambda x, p: gelu_tanh(x), lambda x, p: gelu_tanh_d(x)),
    ('silu', {}, lambda x, p: x * sig(x), lambda x, p: sig(x) * (1 + x * (1 - sig(x))) if x < 30 else 1.0 if x > 800 else sig(x) + x * sig(x) * sig(-x)),
    ('mish', {}, lambda x, p: mish(x), lambda x, p: mish_d(x)),
    ('softplus', {}, lambda x, p: x if x > 20 else sp(x), lambda x, p: 1.0 if x > 20 else sig(x)),
    ('softplus', {'beta': 2, 'threshold': 10}, lambda x, p: x if 2 * x > 10 else sp(2 * x) / 2, lambda x, p: 1.0 if 2 * x > 10 else sig(2 * x)),
    ('sigmoid', {}, lambda x, p: sig(x), lambda x, p: sig(x) * sig(-x)),
    ('tanh', {}, lambda x, p: math.tanh(x), lambda x, p: 1 / math.cosh(x) ** 2 if abs(x) < 700 else 0.0),
    ('hard_sigmoid', {}, lambda x, p: min(max(x / 6 + 0.5, 0.0), 1.0), lambda x, p: 1 / 6 if -3 < x < 3 else 0.0),
    ('hard_swish', {}, lambda x, p: x * min(max(x + 3, 0.0), 6.0) / 6, lambda x, p: 0.0 if x < -3 else (x / 3 + 0.5 if x <= 3 else 1.0)),
    ('softsign', {}, lambda x, p: x / (1 + abs(x)), lambda x, p: 1 / (1 + abs(x)) ** 2),
    ('thresholded_relu', {}, lambda x, p: x if x > 1 else 0.0, lambda x, p: 1.0 if x > 1 else 0.0),
    ('thresholded_relu', {'theta': 0.5}, lambda x, p: x if x > 0.5 else 0.0, lambda x, p: 1.0 if x > 0.5 else 0.0),
    ('linear', {}, lambda x, p: x, lambda x, p: 1.0),
]

def points():
    import struct
    xs = set()
    for m in [1, 1.5, 2.5, 7.3]:
        for e in range(-44, 38, 3):
            v = m * 10.0 ** e
            if v < 3.4e38:
                xs.add(v); xs.add(-v)
    for i in range(-160, 161):
        xs.add(i / 16)
    for v in [1e-45, 1.4e-45, 1e-40, 1e-38, 1.17549435e-38, 30, 50, 87, 88, 89, 90, 100, 1e30, 3e38]:
        xs.add(v); xs.add(-v)
    # round to float32 so the reference is evaluated at exactly the input the kernels see
    r = sorted({struct.unpack('f', struct.pack('f', x))[0] for x in xs})
    return [x for x in r if x != 0 and math.isfinite(x)]

out = []
xs = points()
for id_, params, f, df in DEFS:
    ys, ds = [], []
    for x in xs:
        try:
            ys.append(f(x, params))
        except OverflowError:
            ys.append(None)
        try:
            ds.append(df(x, params))
        except OverflowError:
            ds.append(None)
    out.append({'id': id_, 'params': params, 'x': xs, 'y': ys, 'dy': ds})
print(json.dumps({'generator': 'scripts/reference-values.py', 'cases': out}))
