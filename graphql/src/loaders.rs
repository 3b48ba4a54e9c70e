//! DataLoaders, made per request for the caller, so that a page of fifty
//! balances costs one query for their items, not fifty.

use async_graphql::dataloader::{DataLoader, Loader};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;
use yaolian_backend::Backend;
use yaolian_backend::authz::Caller;
use yaolian_backend::catalogue::PackageLevelView;
use yaolian_backend::model;
use yaolian_backend::procurement::OrderView;

pub struct Loaders {
    pub institutions: DataLoader<InstitutionLoader>,
    pub items: DataLoader<ItemLoader>,
    pub batches: DataLoader<BatchLoader>,
    pub package_levels: DataLoader<PackageLevelLoader>,
    pub suppliers: DataLoader<SupplierLoader>,
    pub purchase_orders: DataLoader<PurchaseOrderLoader>,
    pub locations: DataLoader<LocationLoader>,
}

impl Loaders {
    pub fn new(backend: &Backend, caller: &Arc<Caller>) -> Self {
        let scope = || Scope {
            backend: backend.clone(),
            caller: caller.clone(),
        };
        Self {
            institutions: DataLoader::new(InstitutionLoader(scope()), tokio::spawn),
            items: DataLoader::new(ItemLoader(scope()), tokio::spawn),
            batches: DataLoader::new(BatchLoader(scope()), tokio::spawn),
            package_levels: DataLoader::new(PackageLevelLoader(scope()), tokio::spawn),
            suppliers: DataLoader::new(SupplierLoader(scope()), tokio::spawn),
            purchase_orders: DataLoader::new(PurchaseOrderLoader(scope()), tokio::spawn),
            locations: DataLoader::new(LocationLoader(scope()), tokio::spawn),
        }
    }
}

/// The request's loaders, filled when the caller is known: at the start of
/// an authenticated request, or by `login` for the rest of its response.
#[derive(Clone, Default)]
pub struct LoaderSlot(Arc<std::sync::OnceLock<Loaders>>);

impl LoaderSlot {
    pub fn fill(&self, backend: &Backend, caller: &Arc<Caller>) {
        let _ = self.0.set(Loaders::new(backend, caller));
    }

    pub fn get(&self) -> Option<&Loaders> {
        self.0.get()
    }
}

pub struct Scope {
    backend: Backend,
    caller: Arc<Caller>,
}

pub struct InstitutionLoader(Scope);
pub struct ItemLoader(Scope);
pub struct BatchLoader(Scope);
pub struct PackageLevelLoader(Scope);
pub struct SupplierLoader(Scope);
pub struct PurchaseOrderLoader(Scope);
/// Storage locations by (institution, item).
pub struct LocationLoader(Scope);

type LoadError = Arc<async_graphql::Error>;

fn err(e: yaolian_backend::Error) -> LoadError {
    Arc::new(crate::error::to_gql(e))
}

impl Loader<Uuid> for InstitutionLoader {
    type Value = model::Institution;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self
            .0
            .backend
            .institutions_by_ids(&self.0.caller, keys)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for ItemLoader {
    type Value = model::Item;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self
            .0
            .backend
            .items_by_ids(&self.0.caller, keys)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for BatchLoader {
    type Value = model::Batch;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self
            .0
            .backend
            .batches_by_ids(&self.0.caller, keys)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for PackageLevelLoader {
    type Value = Vec<PackageLevelView>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        self.0
            .backend
            .package_levels(&self.0.caller, keys)
            .await
            .map_err(err)
    }
}

impl Loader<Uuid> for SupplierLoader {
    type Value = model::Supplier;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self
            .0
            .backend
            .suppliers_by_id(&self.0.caller, keys.to_vec())
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for PurchaseOrderLoader {
    type Value = OrderView;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self
            .0
            .backend
            .purchase_orders_by_ids(&self.0.caller, keys)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|r| (r.order.id, r)).collect())
    }
}

impl Loader<(Uuid, Uuid)> for LocationLoader {
    type Value = String;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, Self::Error> {
        let mut by_place: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (institution, item) in keys {
            by_place.entry(*institution).or_default().push(*item);
        }
        let mut out = HashMap::new();
        for (institution, items) in by_place {
            let codes = self
                .0
                .backend
                .item_locations(&self.0.caller, institution, &items)
                .await
                .map_err(err)?;
            out.extend(
                codes
                    .into_iter()
                    .map(|(item, code)| ((institution, item), code)),
            );
        }
        Ok(out)
    }
}
