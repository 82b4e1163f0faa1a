//! Lookalike domains: IDN homographs, ASCII typosquats, brand embedding. (Being built: see the
//! interface below; the engine relies on exactly these items.)

use crate::domain::HostInfo;
use crate::pack::Brand;
use crate::verdict::Finding;

/// Index over the protected brands, built once per pack.
#[derive(Debug)]
pub struct BrandIndex {
    brands: Vec<Brand>,
}

impl BrandIndex {
    /// Builds the index.
    pub fn new(brands: &[Brand]) -> Self {
        Self {
            brands: brands.to_vec(),
        }
    }

    /// Number of brands.
    pub fn len(&self) -> usize {
        self.brands.len()
    }

    /// True when there are no brands.
    pub fn is_empty(&self) -> bool {
        self.brands.is_empty()
    }

    /// The brand with this id.
    pub fn brand(&self, id: usize) -> &Brand {
        &self.brands[id]
    }

    /// The brand owning this registrable domain (ASCII), if any.
    pub fn owner_of(&self, registrable: &str) -> Option<usize> {
        self.brands
            .iter()
            .position(|b| b.domains.iter().any(|d| d == registrable))
    }

    /// Lookalike findings for a host (`idn_homograph_high` / `idn_homograph_medium`, each with
    /// `target` and `brand`). Empty when the host belongs to a brand.
    pub fn check_host(&self, _host: &HostInfo) -> Vec<Finding> {
        Vec::new()
    }

    /// Brands whose name or alias appears as a word in `text` (titles, site names).
    pub fn brands_named_in(&self, _text: &str) -> Vec<usize> {
        Vec::new()
    }
}
