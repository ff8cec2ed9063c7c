//! Synthetic hill country: fractal value noise with flat valley floors, its height
//! scaled so that a chosen share of the land is steeper than 25°.

use super::rng::hash_unit;

/// Terrain as a function of map position (metres from the region's upper-left corner,
/// y growing southwards).
#[derive(Debug, Clone)]
pub struct Terrain {
    seed: u64,
    /// Relief of the hills, metres (calibrated).
    pub height: f64,
    /// Noise value below which the land is valley floor.
    valley_level: f64,
    scale: f64,
}

const OCTAVES: [(f64, f64); 5] = [
    (1600.0, 1.0),
    (700.0, 0.55),
    (300.0, 0.28),
    (130.0, 0.12),
    (60.0, 0.05),
];

fn fade(t: f64) -> f64 {
    t * t * t * (t * (t * 6.0 - 15.0) + 10.0)
}

impl Terrain {
    /// `scale` stretches the landscape's wavelengths (1 = the default hill size).
    pub fn new(seed: u64, scale: f64) -> Terrain {
        Terrain {
            seed,
            height: 1.0,
            valley_level: 0.45,
            scale,
        }
    }

    fn value_noise(&self, x: f64, y: f64, octave: u64) -> f64 {
        let (xi, yi) = (x.floor(), y.floor());
        let (fx, fy) = (fade(x - xi), fade(y - yi));
        let (xi, yi) = (xi as i64, yi as i64);
        let h =
            |dx: i64, dy: i64| hash_unit(self.seed, &[octave, (xi + dx) as u64, (yi + dy) as u64]);
        let top = h(0, 0) + (h(1, 0) - h(0, 0)) * fx;
        let bottom = h(0, 1) + (h(1, 1) - h(0, 1)) * fx;
        top + (bottom - top) * fy
    }

    /// Fractal noise in about [0, 1].
    pub fn noise(&self, x: f64, y: f64) -> f64 {
        let mut sum = 0.0;
        let mut norm = 0.0;
        for (k, (wavelength, amp)) in OCTAVES.iter().enumerate() {
            let w = wavelength * self.scale;
            sum +=
                amp * self.value_noise(x / w + 17.3 * k as f64, y / w - 5.1 * k as f64, k as u64);
            norm += amp;
        }
        sum / norm
    }

    /// Hill shape before scaling: 0 on valley floors, rising smoothly into the hills.
    fn shape(&self, x: f64, y: f64) -> f64 {
        let t = ((self.noise(x, y) - self.valley_level) / (1.0 - self.valley_level)).max(0.0);
        t * t * (3.0 - 2.0 * t).max(0.0) + 0.35 * t
    }

    /// Elevation in metres: base, hills, and a gentle regional tilt so valley floors
    /// are not perfectly flat.
    pub fn elevation(&self, x: f64, y: f64) -> f64 {
        320.0
            + self.height * self.shape(x, y)
            + 0.004 * x
            + 0.002 * y
            + 0.4 * (x / 97.0).sin() * (y / 113.0).cos()
    }

    /// Slope in degrees at a point (central differences, step `h` metres).
    pub fn slope_deg(&self, x: f64, y: f64, h: f64) -> f64 {
        let gx = (self.elevation(x + h, y) - self.elevation(x - h, y)) / (2.0 * h);
        let gy = (self.elevation(x, y + h) - self.elevation(x, y - h)) / (2.0 * h);
        (gx * gx + gy * gy).sqrt().atan().to_degrees()
    }

    /// Sets the hill height so that about `steep_share` of the region (width × height
    /// metres) is steeper than 25°, measured on a sample grid at step `h`.
    pub fn calibrate(&mut self, width: f64, height: f64, h: f64, steep_share: f64) {
        let n = 200usize;
        let mut grads: Vec<f64> = Vec::with_capacity(n * n);
        for i in 0..n {
            for j in 0..n {
                let x = (i as f64 + 0.5) / n as f64 * width;
                let y = (j as f64 + 0.5) / n as f64 * height;
                let gx = (self.shape(x + h, y) - self.shape(x - h, y)) / (2.0 * h);
                let gy = (self.shape(x, y + h) - self.shape(x, y - h)) / (2.0 * h);
                grads.push((gx * gx + gy * gy).sqrt());
            }
        }
        grads.sort_by(f64::total_cmp);
        let q = grads[((1.0 - steep_share) * (grads.len() - 1) as f64) as usize].max(1e-9);
        self.height = 25f64.to_radians().tan() / q;
    }
}
