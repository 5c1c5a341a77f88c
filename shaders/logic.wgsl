// Bitmap logic on 32-bit words: one thread per word. The CPU twin is `compute::bits`.
// Bits past the last row may come out set (NOT sets them); the host clears them.

struct Params {
    // Words in this chunk.
    words: u32,
    // 0 AND, 1 OR, 2 NOT (of `a`), 3 AND NOT.
    op: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> result: array<u32>;

@compute @workgroup_size(256)
fn logic(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) local: u32) {
    let w = linear_group(wid, nwg) * 256u + local;
    if w >= params.words {
        return;
    }
    let x = a[w];
    let y = b[w];
    switch params.op {
        case 0u: { result[w] = x & y; }
        case 1u: { result[w] = x | y; }
        case 2u: { result[w] = ~x; }
        default: { result[w] = x & ~y; }
    }
}
