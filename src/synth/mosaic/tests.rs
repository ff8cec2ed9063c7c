//! Tests of `mosaic` on hand-made parcels.

use super::*;

#[test]
fn cuts_are_increasing_and_wide_enough() {
    let mut rng = Rng::new(1, 2);
    for n in 1..=6 {
        let c = cuts(&mut rng, n);
        assert_eq!(c.first(), Some(&0));
        assert_eq!(c.last(), Some(&UNITS));
        assert!(c.windows(2).all(|w| w[1] - w[0] >= 6), "{c:?}");
    }
}

#[test]
fn ring_walks_through_registered_vertices() {
    let lattice = Lattice::new(1, 200.0, 200.0, 2, 2);
    let pieces = vec![
        Piece {
            rect: [0, 0, 60, 30],
            hole: None,
            kind: Kind::Paddy,
            terrace: false,
        },
        Piece {
            rect: [0, 30, 60, 60],
            hole: None,
            kind: Kind::Paddy,
            terrace: false,
        },
        Piece {
            rect: [60, 0, 120, 60],
            hole: None,
            kind: Kind::Forest,
            terrace: false,
        },
    ];
    let reg = Registry::new(&pieces, &lattice);
    let ring = reg.ring([60, 0, 120, 60]);
    assert!(ring.contains(&(60, 30)), "{ring:?}");
    assert_eq!(ring.first(), ring.last());
}
