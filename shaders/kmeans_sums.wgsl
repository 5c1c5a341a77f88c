// k-means update, first level: per block of `block` points, each cluster's coordinate
// sums (added in point order) and its count. One thread per (cluster, dimension) slot;
// slot `dims` of a cluster is its count (u32 bits), the others are f32 bits.
// CPU twin: `compute::kmeans::block_sums`.

struct SumParams {
    rows: u32,
    dims: u32,
    k: u32,
    block: u32,
    // Global index of this chunk's first block.
    first_block: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> sp: SumParams;
@group(0) @binding(1) var<storage, read> points: array<f32>;
@group(0) @binding(2) var<storage, read> assignment: array<u32>;
@group(0) @binding(3) var<storage, read_write> partials: array<u32>;

@compute @workgroup_size(256)
fn block_sums(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) local: u32) {
    let block = linear_group(wid, nwg);
    let start = block * sp.block;
    if start >= sp.rows {
        return;
    }
    let end = min(start + sp.block, sp.rows);
    let width = sp.dims + 1u;
    let slots = sp.k * width;
    let out = (sp.first_block + block) * slots;
    for (var slot = local; slot < slots; slot += 256u) {
        let c = slot / width;
        let j = slot % width;
        if j == sp.dims {
            var n = 0u;
            for (var i = start; i < end; i++) {
                n += select(0u, 1u, assignment[i] == c);
            }
            partials[out + slot] = n;
        } else {
            var s = 0.0;
            for (var i = start; i < end; i++) {
                if assignment[i] == c {
                    s = s + points[i * sp.dims + j];
                }
            }
            partials[out + slot] = bitcast<u32>(s);
        }
    }
}
