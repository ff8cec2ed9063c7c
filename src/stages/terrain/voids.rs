//! Voids a DEM does not declare: values such as -32768 or -9999 that are fill, not
//! height, in a DEM without a nodata tag. Read as heights they make false cliffs (and
//! false steep cropland), so the terrain stage counts them while it streams the DEM and
//! the run warns, naming the value and the setting that fixes it.

use rayon::prelude::*;

/// Values that are never heights on Earth: common fill values of DEM products.
const FILL_VALUES: [f32; 5] = [-32768.0, -32767.0, -9999.0, f32::MIN, 32767.0];

/// Heights this close to 0 mean 0 is a real height (a coast, a basin), not fill.
const NEAR_ZERO: f32 = 10.0;

/// Counts of suspicious values while the DEM streams past.
#[derive(Debug, Clone, Default)]
pub struct VoidScan {
    fill: [u64; FILL_VALUES.len()],
    zero: u64,
    near_zero: u64,
    cells: u64,
}

/// A value found in a DEM without nodata that is probably a void fill.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FillValue {
    pub value: f64,
    pub cells: u64,
    /// Share of all cells.
    pub share: f64,
}

impl VoidScan {
    /// Adds the cells of one strip.
    pub fn add(&mut self, cells: &[f32]) {
        let part = cells
            .par_chunks(1 << 16)
            .map(|chunk| {
                let mut s = VoidScan::default();
                for &v in chunk {
                    if v == 0.0 {
                        s.zero += 1;
                    } else if v.abs() < NEAR_ZERO {
                        s.near_zero += 1;
                    } else if let Some(k) = FILL_VALUES.iter().position(|f| *f == v) {
                        s.fill[k] += 1;
                    }
                }
                s.cells = chunk.len() as u64;
                s
            })
            .reduce(VoidScan::default, |a, b| a.merged(&b));
        *self = self.merged(&part);
    }

    fn merged(&self, o: &VoidScan) -> VoidScan {
        let mut fill = self.fill;
        for (f, x) in fill.iter_mut().zip(o.fill) {
            *f += x;
        }
        VoidScan {
            fill,
            zero: self.zero + o.zero,
            near_zero: self.near_zero + o.near_zero,
            cells: self.cells + o.cells,
        }
    }

    /// The probable fill values: the never-heights found at all, and 0 when no height
    /// lies near it (zeros in a mountain DEM are voids, at a coast they are the sea).
    pub fn fill_values(&self) -> Vec<FillValue> {
        let share = |n: u64| n as f64 / self.cells.max(1) as f64;
        let mut out: Vec<FillValue> = FILL_VALUES
            .iter()
            .zip(self.fill)
            .filter(|(_, n)| *n > 0)
            .map(|(v, n)| FillValue { value: *v as f64, cells: n, share: share(n) })
            .collect();
        if self.zero > 0 && self.near_zero == 0 {
            out.push(FillValue { value: 0.0, cells: self.zero, share: share(self.zero) });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_values_are_found_and_sea_level_zeros_are_not() {
        let mut mountains = VoidScan::default();
        let mut cells = vec![812.5f32; 1000];
        cells[3] = -32768.0;
        cells[10] = 0.0;
        cells[11] = 0.0;
        mountains.add(&cells);
        let found: Vec<f64> = mountains.fill_values().iter().map(|f| f.value).collect();
        assert_eq!(found, [-32768.0, 0.0]);
        assert_eq!(mountains.fill_values()[1].cells, 2);
        let mut coast = VoidScan::default();
        coast.add(&[0.0, 0.0, 0.4, 3.0, 25.0]);
        assert!(coast.fill_values().is_empty(), "zeros beside low heights are the sea");
    }
}
