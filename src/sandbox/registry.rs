//! The resources served right now: the built-in table plus those that
//! established CustomResourceDefinitions add.

use super::resources::{BUILT_IN_GROUPS, Resource, built_in};

#[derive(Debug, Clone)]
pub struct Registry {
    built_in: Vec<Resource>,
    custom: Vec<Resource>,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            built_in: built_in(),
            custom: Vec::new(),
        }
    }
}

impl Registry {
    pub fn all(&self) -> impl Iterator<Item = &Resource> {
        self.built_in.iter().chain(self.custom.iter())
    }

    /// The resource at `/apis/{group}/{version}/{plural}`.
    pub fn by_plural(&self, group: &str, version: &str, plural: &str) -> Option<&Resource> {
        self.all()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
    }

    /// The storage resource of a kind (first served version).
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<&Resource> {
        self.all().find(|r| r.group == group && r.kind == kind)
    }

    /// A resource by its apiVersion and kind, exactly.
    pub fn by_api_version(&self, api_version: &str, kind: &str) -> Option<&Resource> {
        let (group, version) = crate::model::split_api_version(api_version);
        self.all()
            .find(|r| r.group == group && r.version == version && r.kind == kind)
    }

    /// Every group with its served versions, preferred first: built-in
    /// groups in the real server's order, then custom groups.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = BUILT_IN_GROUPS
            .iter()
            .map(|(g, vs)| {
                (
                    (*g).to_owned(),
                    vs.iter().map(|v| (*v).to_owned()).collect(),
                )
            })
            .collect();
        for r in &self.custom {
            match groups.iter_mut().find(|(g, _)| *g == r.group) {
                Some((_, versions)) if !versions.contains(&r.version) => {
                    versions.push(r.version.clone())
                }
                Some(_) => {}
                None => groups.push((r.group.clone(), vec![r.version.clone()])),
            }
        }
        groups
    }

    /// Resources of one group/version.
    pub fn in_group_version<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        self.all()
            .filter(move |r| r.group == group && r.version == version)
    }

    /// Replaces the resources a CRD serves (none when it is gone).
    pub fn set_custom(&mut self, crd_name: &str, resources: Vec<Resource>) {
        self.custom
            .retain(|r| format!("{}.{}", r.plural, r.group) != crd_name);
        self.custom.extend(resources);
    }
}
