// k-means assignment: the nearest centroid per point (ties to the lowest index), the
// distance summed over dimensions in order; and each workgroup's share of the inertia.
// CPU twin: `compute::kmeans::assign_exact`; the parity suite checks they agree.
//
// Drivers may fuse `d + diff * diff` into one fma, so a point whose best and second-best
// distances lie within the rounding error of each other is put on the close-call list;
// the host settles those with the CPU's exact arithmetic.
//
// Workgroups are laid out in two dimensions when there are more than 65,535 of them; the
// linear index is `x + y * num_workgroups.x`.

struct AssignParams {
    rows: u32,
    dims: u32,
    k: u32,
    // Global index of this chunk's first point (for the list of close calls).
    base: u32,
    // Index of this chunk's first workgroup in the inertia partials.
    first_group: u32,
    // Records the close-call list can hold.
    capacity: u32,
    // A point is a close call when second - best <= tol * second + tiny.
    tol: f32,
    tiny: f32,
}

@group(0) @binding(0) var<uniform> ap: AssignParams;
@group(0) @binding(1) var<storage, read> points: array<f32>;
@group(0) @binding(2) var<storage, read> centroids: array<f32>;
@group(0) @binding(3) var<storage, read_write> assignment: array<u32>;
@group(0) @binding(4) var<storage, read_write> inertia: array<f32>;
@group(0) @binding(5) var<storage, read_write> close_count: atomic<u32>;
@group(0) @binding(6) var<storage, read_write> close_calls: array<u32>;

var<workgroup> part: array<f32, 256>;


@compute @workgroup_size(256)
fn assign(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let group = linear_group(wid, nwg);
    // Workgroups past the chunk (the last row of a two-dimensional dispatch) must not
    // write an inertia partial: it would land on the next chunk's. `group` is uniform.
    if group >= (ap.rows + 255u) / 256u {
        return;
    }
    let i = group * 256u + local;
    var mine = 0.0;
    if i < ap.rows {
        // f32::MAX, not infinity, as the start: Metal's fast math may assume no infinities.
        // (The CPU starts from infinity; the two differ only for a distance of exactly
        // f32::MAX.)
        let start = bitcast<f32>(0x7f7fffffu);
        var best = start;
        var second = start;
        var index = 0u;
        let p = i * ap.dims;
        for (var c = 0u; c < ap.k; c++) {
            let q = c * ap.dims;
            var d = 0.0;
            for (var j = 0u; j < ap.dims; j++) {
                let diff = points[p + j] - centroids[q + j];
                d = d + diff * diff;
            }
            if d < best {
                second = best;
                best = d;
                index = c;
            } else if d < second {
                second = d;
            }
        }
        assignment[i] = index;
        mine = best;
        // With one centroid there is nothing to be close to.
        if ap.k > 1u && second - best <= ap.tol * second + ap.tiny {
            let slot = atomicAdd(&close_count, 1u);
            if slot < ap.capacity {
                close_calls[3u * slot] = ap.base + i;
                close_calls[3u * slot + 1u] = index;
                close_calls[3u * slot + 2u] = bitcast<u32>(best);
            }
        }
    }
    // Inertia: a tree sum of the workgroup's 256 distances, written per workgroup.
    part[local] = mine;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride = stride >> 1u) {
        if local < stride {
            part[local] = part[local] + part[local + stride];
        }
        workgroupBarrier();
    }
    if local == 0u {
        inertia[ap.first_group + group] = part[0];
    }
}
