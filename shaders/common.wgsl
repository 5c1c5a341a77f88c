// Helpers shared by every kernel; the host prepends this file to each shader's source.

// The index of a workgroup in a dispatch that may be two-dimensional (past 65,535 groups).
fn linear_group(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.x + wid.y * nwg.x;
}
