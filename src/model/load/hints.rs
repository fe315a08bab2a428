//! "did you mean ..." for unknown fields: fields placed at the wrong level,
//! and near-miss spellings of known Argo CD field names.

/// (kind, unknown field path, where the field belongs).
const MISPLACED: &[(&str, &str, &str)] = &[
    (
        "ApplicationSet",
        "spec.preserveResourcesOnDeletion",
        "spec.syncPolicy.preserveResourcesOnDeletion",
    ),
    (
        "ApplicationSet",
        "spec.applicationsSync",
        "spec.syncPolicy.applicationsSync",
    ),
    ("Application", "spec.automated", "spec.syncPolicy.automated"),
    (
        "Application",
        "spec.syncOptions",
        "spec.syncPolicy.syncOptions",
    ),
    ("Application", "spec.retry", "spec.syncPolicy.retry"),
    (
        "Application",
        "spec.syncPolicy.prune",
        "spec.syncPolicy.automated.prune",
    ),
    (
        "Application",
        "spec.syncPolicy.selfHeal",
        "spec.syncPolicy.automated.selfHeal",
    ),
    (
        "Application",
        "spec.syncPolicy.allowEmpty",
        "spec.syncPolicy.automated.allowEmpty",
    ),
    (
        "Application",
        "spec.syncPolicy.backoff",
        "spec.syncPolicy.retry.backoff",
    ),
    ("Application", "spec.server", "spec.destination.server"),
    (
        "Application",
        "spec.namespace",
        "spec.destination.namespace",
    ),
    ("Application", "spec.repoURL", "spec.source.repoURL"),
    ("Application", "spec.path", "spec.source.path"),
    (
        "Application",
        "spec.targetRevision",
        "spec.source.targetRevision",
    ),
    (
        "Application",
        "spec.source.valueFiles",
        "spec.source.helm.valueFiles",
    ),
    (
        "Application",
        "spec.source.values",
        "spec.source.helm.values",
    ),
    (
        "Application",
        "spec.source.releaseName",
        "spec.source.helm.releaseName",
    ),
    (
        "Application",
        "spec.source.namePrefix",
        "spec.source.kustomize.namePrefix",
    ),
    (
        "Application",
        "spec.source.recurse",
        "spec.source.directory.recurse",
    ),
];

/// Field names of Application, AppProject and ApplicationSet, for spelling hints.
const KNOWN_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "spec",
    "status",
    "operation",
    "name",
    "generateName",
    "namespace",
    "labels",
    "annotations",
    "finalizers",
    "source",
    "sources",
    "destination",
    "project",
    "syncPolicy",
    "ignoreDifferences",
    "revisionHistoryLimit",
    "info",
    "value",
    "repoURL",
    "targetRevision",
    "path",
    "chart",
    "directory",
    "kustomize",
    "helm",
    "plugin",
    "ref",
    "recurse",
    "include",
    "exclude",
    "jsonnet",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "commonAnnotations",
    "commonAnnotationsEnvsubst",
    "forceCommonLabels",
    "forceCommonAnnotations",
    "labelWithoutSelector",
    "labelIncludeTemplates",
    "images",
    "patches",
    "replicas",
    "components",
    "version",
    "patch",
    "target",
    "options",
    "group",
    "labelSelector",
    "annotationSelector",
    "count",
    "releaseName",
    "valueFiles",
    "values",
    "valuesObject",
    "parameters",
    "fileParameters",
    "skipCrds",
    "skipSchemaValidation",
    "skipTests",
    "ignoreMissingValueFiles",
    "passCredentials",
    "kubeVersion",
    "apiVersions",
    "forceString",
    "server",
    "automated",
    "syncOptions",
    "retry",
    "managedNamespaceMetadata",
    "prune",
    "selfHeal",
    "allowEmpty",
    "enabled",
    "limit",
    "backoff",
    "refresh",
    "duration",
    "factor",
    "maxDuration",
    "jsonPointers",
    "jqPathExpressions",
    "managedFieldsManagers",
    "description",
    "sourceRepos",
    "sourceNamespaces",
    "destinations",
    "clusterResourceWhitelist",
    "clusterResourceBlacklist",
    "namespaceResourceWhitelist",
    "namespaceResourceBlacklist",
    "roles",
    "syncWindows",
    "orphanedResources",
    "permitOnlyProjectScopedClusters",
    "signatureKeys",
    "destinationServiceAccounts",
    "policies",
    "groups",
    "jwtTokens",
    "schedule",
    "applications",
    "namespaces",
    "clusters",
    "manualSync",
    "timeZone",
    "andOperator",
    "syncOverrun",
    "warn",
    "ignore",
    "generators",
    "template",
    "goTemplate",
    "goTemplateOptions",
    "templatePatch",
    "strategy",
    "ignoreApplicationDifferences",
    "preserveResourcesOnDeletion",
    "applicationsSync",
];

/// A suggestion for the unknown field at `path` of a `kind` object.
pub fn did_you_mean(kind: &str, path: &str) -> Option<String> {
    if let Some((_, _, right)) = MISPLACED.iter().find(|(k, p, _)| *k == kind && *p == path) {
        return Some((*right).to_owned());
    }
    let (parent, leaf) = match path.rsplit_once('.') {
        Some((parent, leaf)) => (Some(parent), leaf),
        None => (None, path),
    };
    let best = KNOWN_FIELDS
        .iter()
        .map(|known| {
            (
                edit_distance(&leaf.to_lowercase(), &known.to_lowercase()),
                known,
            )
        })
        .filter(|(d, known)| *d <= 2 && **known != leaf && known.len() > 3)
        .min_by_key(|(d, _)| *d)?
        .1;
    Some(match parent {
        Some(parent) => format!("{parent}.{best}"),
        None => (*best).to_owned(),
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_right_place_and_spelling() {
        assert_eq!(
            did_you_mean("ApplicationSet", "spec.preserveResourcesOnDeletion").as_deref(),
            Some("spec.syncPolicy.preserveResourcesOnDeletion")
        );
        assert_eq!(
            did_you_mean("Application", "spec.source.helm.valueFile").as_deref(),
            Some("spec.source.helm.valueFiles")
        );
        assert_eq!(
            did_you_mean("Application", "spec.syncPolicy.automated.selfheal").as_deref(),
            Some("spec.syncPolicy.automated.selfHeal")
        );
        assert_eq!(did_you_mean("Application", "spec.frobnicate"), None);
    }
}
