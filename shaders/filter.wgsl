// Filter kernels: one selection bit per row, packed 32 rows to an output word.
//
// Every thread tests one row; the workgroup's 256 bits are gathered in workgroup memory
// with atomicOr and written out as 8 words, so reads and writes are both coalesced.
// The result is ANDed with the validity bitmap: a row without a value is never selected.
//
// 64-bit values (f64 and i64) arrive as their raw little-endian bits, two u32 per row, and
// are compared exactly with integer operations: WGSL has neither f64 nor i64. The CPU twin
// is `compute::cpu` (Rust's own f64/i64 comparisons); the parity suite checks they agree.

struct Params {
    // Rows in this chunk; threads past it select nothing.
    rows: u32,
    // 0 Eq, 1 Ne, 2 Lt, 3 Le, 4 Gt, 5 Ge, 6 Between (a <= v <= b).
    op: u32,
    // The constants' raw bits: low word, high word (an i32 constant uses a_lo / b_lo).
    a_lo: u32,
    a_hi: u32,
    b_lo: u32,
    b_hi: u32,
    // Bits in the code lookup table (codes only).
    lut_len: u32,
    _pad: u32,
}

// What a row holds: 0 f64, 1 i64, 2 i32, 3 dictionary code (tested against `lut`). Set when
// the pipeline is made, so each of the four pipelines holds only its own test.
override KIND: u32 = 0u;

const OP_EQ: u32 = 0u;
const OP_NE: u32 = 1u;
const OP_LT: u32 = 2u;
const OP_LE: u32 = 3u;
const OP_GT: u32 = 4u;
const OP_GE: u32 = 5u;
const OP_BETWEEN: u32 = 6u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> values: array<u32>;
@group(0) @binding(2) var<storage, read> validity: array<u32>;
@group(0) @binding(3) var<storage, read_write> selected: array<u32>;
@group(0) @binding(4) var<storage, read> lut: array<u32>;

var<workgroup> bits: array<atomic<u32>, 8>;

// Order of two keys whose unsigned (hi, lo) order is the value order: -1, 0 or 1.
fn order64(a_hi: u32, a_lo: u32, b_hi: u32, b_lo: u32) -> i32 {
    if a_hi != b_hi {
        return select(1, -1, a_hi < b_hi);
    }
    if a_lo != b_lo {
        return select(1, -1, a_lo < b_lo);
    }
    return 0;
}

// The comparison outcome for an order (-1 less, 0 equal, 1 greater) and a plain operator.
fn holds(op: u32, ord: i32) -> bool {
    switch op {
        case OP_EQ: { return ord == 0; }
        case OP_NE: { return ord != 0; }
        case OP_LT: { return ord < 0; }
        case OP_LE: { return ord <= 0; }
        case OP_GT: { return ord > 0; }
        default: { return ord >= 0; }
    }
}

fn is_nan64(hi: u32, lo: u32) -> bool {
    let mag = hi & 0x7fffffffu;
    return mag > 0x7ff00000u || (mag == 0x7ff00000u && lo != 0u);
}

// An f64's bits mapped to a key whose unsigned order is the numeric order, with -0 and +0
// made equal. Only meaningful for non-NaN values.
fn f64_key(hi: u32, lo: u32) -> vec2<u32> {
    if (hi & 0x7fffffffu) == 0u && lo == 0u {
        return vec2<u32>(0x80000000u, 0u);
    }
    if (hi & 0x80000000u) != 0u {
        return vec2<u32>(~hi, ~lo);
    }
    return vec2<u32>(hi | 0x80000000u, lo);
}

fn test_f64(hi: u32, lo: u32) -> bool {
    let v_nan = is_nan64(hi, lo);
    let v = f64_key(hi, lo);
    let a = f64_key(params.a_hi, params.a_lo);
    if params.op == OP_BETWEEN {
        if v_nan || is_nan64(params.a_hi, params.a_lo) || is_nan64(params.b_hi, params.b_lo) {
            return false;
        }
        let b = f64_key(params.b_hi, params.b_lo);
        return order64(a.x, a.y, v.x, v.y) <= 0 && order64(v.x, v.y, b.x, b.y) <= 0;
    }
    // NaN is unordered: only `!=` holds.
    if v_nan || is_nan64(params.a_hi, params.a_lo) {
        return params.op == OP_NE;
    }
    return holds(params.op, order64(v.x, v.y, a.x, a.y));
}

fn test_i64(hi: u32, lo: u32) -> bool {
    // Flipping the sign bit turns two's-complement order into unsigned order.
    let v_hi = hi ^ 0x80000000u;
    let a_hi = params.a_hi ^ 0x80000000u;
    if params.op == OP_BETWEEN {
        let b_hi = params.b_hi ^ 0x80000000u;
        return order64(a_hi, params.a_lo, v_hi, lo) <= 0 && order64(v_hi, lo, b_hi, params.b_lo) <= 0;
    }
    return holds(params.op, order64(v_hi, lo, a_hi, params.a_lo));
}

fn test_i32(v: i32) -> bool {
    let a = bitcast<i32>(params.a_lo);
    if params.op == OP_BETWEEN {
        let b = bitcast<i32>(params.b_lo);
        return a <= v && v <= b;
    }
    var ord = 0;
    if v < a {
        ord = -1;
    } else if v > a {
        ord = 1;
    }
    return holds(params.op, ord);
}

fn test_code(code: u32) -> bool {
    if code >= params.lut_len {
        return false;
    }
    return ((lut[code >> 5u] >> (code & 31u)) & 1u) == 1u;
}

// Gathers each thread's bit into the workgroup's 8 words and writes them, masked by
// validity. Called by every thread of the workgroup (it holds barriers).
fn emit(row: u32, local: u32, group: u32, hit: bool) {
    if local < 8u {
        atomicStore(&bits[local], 0u);
    }
    workgroupBarrier();
    if hit && row < params.rows {
        atomicOr(&bits[local >> 5u], 1u << (local & 31u));
    }
    workgroupBarrier();
    if local < 8u {
        let word = group * 8u + local;
        if word * 32u < params.rows {
            selected[word] = atomicLoad(&bits[local]) & validity[word];
        }
    }
}

// One thread per row: the row's value tested as `KIND` says.
@compute @workgroup_size(256)
fn select_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) local: u32) {
    let group = linear_group(wid, nwg);
    let row = group * 256u + local;
    var hit = false;
    if row < params.rows {
        switch KIND {
            case 0u: { hit = test_f64(values[2u * row + 1u], values[2u * row]); }
            case 1u: { hit = test_i64(values[2u * row + 1u], values[2u * row]); }
            case 2u: { hit = test_i32(bitcast<i32>(values[row])); }
            default: { hit = test_code(values[row]); }
        }
    }
    emit(row, local, group, hit);
}
