//! Filter and bitmap-logic kernels on the GPU (`shaders/filter.wgsl`, `shaders/logic.wgsl`).
//!
//! Each call streams its column through in chunks: upload a chunk's values and validity,
//! run one thread per row, copy the packed selection back. Bitmaps cross as `u32` words
//! (the little-endian halves of [`Bitmap`]'s `u64` words).

use super::{GpuBackend, LOGIC, filter_kernel, groups_for};
use crate::columns::Bitmap;
use crate::compute::{Backend, CmpOp, ComputeError, Predicate, bits};

/// What a row holds, as the filter shader's `KIND` names it.
#[derive(Clone, Copy)]
enum Rows {
    F64 = 0,
    I64 = 1,
    I32 = 2,
    Codes = 3,
}

/// The shader's operator code and the constants' raw 64-bit patterns.
fn encode<T: Copy>(pred: Predicate<T>, bits: impl Fn(T) -> u64) -> (u32, u64, u64) {
    match pred {
        Predicate::Cmp(op, c) => {
            let code = match op {
                CmpOp::Eq => 0,
                CmpOp::Ne => 1,
                CmpOp::Lt => 2,
                CmpOp::Le => 3,
                CmpOp::Gt => 4,
                CmpOp::Ge => 5,
            };
            (code, bits(c), 0)
        }
        Predicate::Between(a, b) => (6, bits(a), bits(b)),
    }
}

fn params((op, a, b): (u32, u64, u64), lut_len: u32) -> [u32; 8] {
    [0, op, a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32, lut_len, 0]
}

impl GpuBackend {
    /// Runs the filter kernel over `rows` rows of `values` (`per_row` words each) in
    /// chunks. `head` is the params without the row count (filled per chunk).
    fn select(
        &self,
        kind: Rows,
        values: &[u32],
        per_row: usize,
        validity: &Bitmap,
        head: [u32; 8],
        lut: &[u32],
    ) -> Result<Bitmap, ComputeError> {
        let rows = validity.len();
        assert_eq!(values.len(), rows * per_row, "values and validity differ in length");
        if rows == 0 {
            return Ok(Bitmap::new_unset(0));
        }
        let chunk = self.chunk_rows(4 * per_row as u64, 256)?.min(rows.next_multiple_of(256));
        let valid: &[u32] = bytemuck::cast_slice(validity.words());
        let values_buf = self.storage("values", (chunk * per_row * 4) as u64);
        let valid_buf = self.storage("validity", (chunk / 32 * 4) as u64);
        let out_buf = self.storage("selected", (chunk / 32 * 4) as u64);
        let lut_buf = self.storage("lut", (lut.len() * 4) as u64);
        let back = self.readback("selected", (chunk / 32 * 4) as u64);
        let uniform = self.uniform("params", &head);
        if !lut.is_empty() {
            self.queue.write_buffer(&lut_buf, 0, bytemuck::cast_slice(lut));
        }
        let kernel = filter_kernel(kind as usize);
        let bind = self.bind(kernel, &[&uniform, &values_buf, &valid_buf, &out_buf, &lut_buf]);
        // The result's words, written as `u32` halves (little-endian: low half first).
        let mut out = vec![0u64; validity.words().len()];
        let halves: &mut [u32] = bytemuck::cast_slice_mut(&mut out);
        let mut start = 0;
        while start < rows {
            let n = chunk.min(rows - start);
            let mut p = head;
            p[0] = n as u32;
            self.queue.write_buffer(&uniform, 0, bytemuck::cast_slice(&p));
            self.queue.write_buffer(
                &values_buf,
                0,
                bytemuck::cast_slice(&values[start * per_row..(start + n) * per_row]),
            );
            // Chunks start on multiples of 256 rows, so this chunk's validity and result are
            // whole `u32` halves within the bitmap.
            let (first, words) = (start / 32, n.div_ceil(32));
            self.queue.write_buffer(&valid_buf, 0, bytemuck::cast_slice(&valid[first..first + words]));
            let mut encoder = self.encoder();
            self.dispatch(&mut encoder, kernel, &bind, groups_for(n));
            encoder.copy_buffer_to_buffer(&out_buf, 0, &back, 0, (words * 4) as u64);
            let got = self.finish_and_read(kernel.name, encoder, &back, (words * 4) as u64)?;
            halves[first..first + words].copy_from_slice(&got[..words]);
            start += n;
        }
        Ok(bits::from_words(out, rows))
    }

    /// Word-wise logic over `u32` halves of `a` (and `b`): 0 AND, 1 OR, 2 NOT, 3 AND NOT.
    fn logic(&self, op: u32, a: &Bitmap, b: Option<&Bitmap>) -> Result<Bitmap, ComputeError> {
        if let Some(b) = b {
            assert_eq!(a.len(), b.len(), "bitmaps differ in length");
        }
        let xa: &[u32] = bytemuck::cast_slice(a.words());
        let xb: Option<&[u32]> = b.map(|b| bytemuck::cast_slice(b.words()));
        let total = xa.len();
        if total == 0 {
            return Ok(Bitmap::new_unset(a.len()));
        }
        let chunk = self.chunk_rows(4, 256)?.min(total.next_multiple_of(256));
        let a_buf = self.storage("a", (chunk * 4) as u64);
        // NOT reads only `a`: its `b` binding is `a` again, uploaded once.
        let b_buf = xb.map(|_| self.storage("b", (chunk * 4) as u64));
        let out_buf = self.storage("result", (chunk * 4) as u64);
        let back = self.readback("result", (chunk * 4) as u64);
        let uniform = self.uniform("params", &[0, op, 0, 0]);
        let bind = self.bind(LOGIC, &[&uniform, &a_buf, b_buf.as_ref().unwrap_or(&a_buf), &out_buf]);
        let mut out = vec![0u64; a.words().len()];
        let halves: &mut [u32] = bytemuck::cast_slice_mut(&mut out);
        let mut start = 0;
        while start < total {
            let n = chunk.min(total - start);
            self.queue.write_buffer(&uniform, 0, bytemuck::cast_slice(&[n as u32, op, 0, 0]));
            self.queue.write_buffer(&a_buf, 0, bytemuck::cast_slice(&xa[start..start + n]));
            if let (Some(buf), Some(xb)) = (&b_buf, xb) {
                self.queue.write_buffer(buf, 0, bytemuck::cast_slice(&xb[start..start + n]));
            }
            let mut encoder = self.encoder();
            self.dispatch(&mut encoder, LOGIC, &bind, groups_for(n));
            encoder.copy_buffer_to_buffer(&out_buf, 0, &back, 0, (n * 4) as u64);
            let got = self.finish_and_read("logic", encoder, &back, (n * 4) as u64)?;
            halves[start..start + n].copy_from_slice(&got[..n]);
            start += n;
        }
        Ok(bits::from_words(out, a.len()))
    }
}

impl Backend for GpuBackend {
    fn name(&self) -> &'static str {
        "gpu"
    }

    fn compare_f64(
        &self,
        values: &[f64],
        validity: &Bitmap,
        pred: Predicate<f64>,
    ) -> Result<Bitmap, ComputeError> {
        let head = params(encode(pred, f64::to_bits), 0);
        self.select(Rows::F64, bytemuck::cast_slice(values), 2, validity, head, &[])
    }

    fn compare_i64(
        &self,
        values: &[i64],
        validity: &Bitmap,
        pred: Predicate<i64>,
    ) -> Result<Bitmap, ComputeError> {
        let head = params(encode(pred, |v| v as u64), 0);
        self.select(Rows::I64, bytemuck::cast_slice(values), 2, validity, head, &[])
    }

    fn compare_i32(
        &self,
        values: &[i32],
        validity: &Bitmap,
        pred: Predicate<i32>,
    ) -> Result<Bitmap, ComputeError> {
        let head = params(encode(pred, |v| u64::from(v as u32)), 0);
        self.select(Rows::I32, bytemuck::cast_slice(values), 1, validity, head, &[])
    }

    fn codes_in(&self, codes: &[u32], validity: &Bitmap, lut: &[bool]) -> Result<Bitmap, ComputeError> {
        let mut packed = vec![0u32; lut.len().div_ceil(32)];
        for (i, _) in lut.iter().enumerate().filter(|(_, hit)| **hit) {
            packed[i / 32] |= 1 << (i % 32);
        }
        let lut_len = u32::try_from(lut.len()).unwrap_or(u32::MAX);
        let head = params((0, 0, 0), lut_len);
        self.select(Rows::Codes, codes, 1, validity, head, &packed)
    }

    fn and(&self, a: &Bitmap, b: &Bitmap) -> Result<Bitmap, ComputeError> {
        self.logic(0, a, Some(b))
    }

    fn or(&self, a: &Bitmap, b: &Bitmap) -> Result<Bitmap, ComputeError> {
        self.logic(1, a, Some(b))
    }

    fn not(&self, a: &Bitmap) -> Result<Bitmap, ComputeError> {
        self.logic(2, a, None)
    }

    fn kmeans_run<'a>(
        &'a self,
        points: &crate::compute::Points<'a>,
        k: usize,
    ) -> Result<Box<dyn crate::compute::KMeansRun + 'a>, ComputeError> {
        Ok(Box::new(super::kmeans::GpuRun::new(self, points, k)?))
    }
}
