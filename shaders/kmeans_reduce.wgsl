// k-means update, further levels: sums groups of `group` consecutive partials, in order,
// one thread per output slot; run level after level until one partial is left.
// CPU twin: `compute::kmeans::reduce_level`.

struct ReduceParams {
    // Partials read, each `slots` words.
    parts: u32,
    slots: u32,
    group: u32,
    // Slot `s` is a count (u32) when s % (dims + 1) == dims.
    dims: u32,
}

@group(0) @binding(0) var<uniform> rp: ReduceParams;
@group(0) @binding(1) var<storage, read> level_in: array<u32>;
@group(0) @binding(2) var<storage, read_write> level_out: array<u32>;

@compute @workgroup_size(256)
fn reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let t = linear_group(wid, nwg) * 256u + local;
    let outputs = (rp.parts + rp.group - 1u) / rp.group;
    if t >= outputs * rp.slots {
        return;
    }
    let g = t / rp.slots;
    let slot = t % rp.slots;
    let start = g * rp.group;
    let end = min(start + rp.group, rp.parts);
    if slot % (rp.dims + 1u) == rp.dims {
        var n = 0u;
        for (var p = start; p < end; p++) {
            n += level_in[p * rp.slots + slot];
        }
        level_out[t] = n;
    } else {
        var s = 0.0;
        for (var p = start; p < end; p++) {
            s = s + bitcast<f32>(level_in[p * rp.slots + slot]);
        }
        level_out[t] = bitcast<u32>(s);
    }
}
