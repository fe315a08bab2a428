//! Every manifest re-created from the seed documents loads: Argo CD kinds with
//! no Errors and exactly the Warnings listed here; fragments are not manifests.

use std::fs;
use std::path::{Path, PathBuf};

use plumb::model::{Manifest, kind_of, name_of, parse_documents};

const SEEDS: &str = "tests/fixtures/seeds";

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("seed folder is readable")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn seed_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(SEEDS)
        .expect("seeds exist")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn relative(path: &Path) -> String {
    path.strip_prefix(SEEDS)
        .expect("under seeds")
        .display()
        .to_string()
}

#[derive(Debug, Default, PartialEq)]
struct Counts {
    applications: usize,
    projects: usize,
    appsets: usize,
    others: usize,
}

#[test]
fn every_seed_manifest_loads_with_only_the_expected_warnings() {
    let mut diagnostics = Vec::new();
    let mut counts = Vec::new();
    for dir in seed_dirs() {
        let mut seed = Counts::default();
        for file in yaml_files(&dir) {
            let rel = relative(&file);
            let text = fs::read_to_string(&file).expect("readable");
            let (manifests, found) = parse_documents(&rel, &text);
            diagnostics.extend(found.iter().map(ToString::to_string));
            assert_eq!(manifests.len(), 1, "{rel} holds one manifest");
            let (manifest, _) = &manifests[0];
            let file_name = file
                .file_name()
                .and_then(|n| n.to_str())
                .expect("utf-8 name");
            let expected_kind = file_name.split('-').nth(1).expect("NN-kind-name.yaml");
            assert_eq!(manifest.kind().to_lowercase(), expected_kind, "{rel}");
            match manifest {
                Manifest::Application(app) => {
                    assert!(file_name.contains(&app.metadata.name), "{rel}");
                    seed.applications += 1;
                }
                Manifest::AppProject(project) => {
                    assert!(file_name.contains(&project.metadata.name), "{rel}");
                    seed.projects += 1;
                }
                Manifest::ApplicationSet(appset) => {
                    assert!(file_name.contains(&appset.metadata.name), "{rel}");
                    seed.appsets += 1;
                }
                Manifest::Other(object) => {
                    assert!(!kind_of(object).is_empty(), "{rel}");
                    assert!(file_name.contains(name_of(object)), "{rel}");
                    seed.others += 1;
                }
            }
        }
        counts.push((relative(&dir), seed));
    }
    assert_eq!(
        diagnostics,
        [
            "003-platform-gitops/03-applicationset-orders-service.yaml:9: ApplicationSet orders-service: spec.preserveResourcesOnDeletion: unknown field; did you mean spec.syncPolicy.preserveResourcesOnDeletion?"
        ]
    );
    let expected = |applications, projects, appsets, others| Counts {
        applications,
        projects,
        appsets,
        others,
    };
    assert_eq!(
        counts,
        [
            ("000-gitops-guide".to_owned(), expected(4, 0, 6, 25)),
            ("001-argocd-gitops".to_owned(), expected(3, 1, 2, 7)),
            ("002-argocd-migration".to_owned(), expected(3, 1, 1, 2)),
            ("003-platform-gitops".to_owned(), expected(2, 1, 3, 11)),
        ]
    );
}

#[test]
fn seed_application_sets_keep_their_templates_as_data() {
    let path = Path::new(SEEDS).join("003-platform-gitops/03-applicationset-orders-service.yaml");
    let text = fs::read_to_string(&path).expect("readable");
    let (manifests, _) = parse_documents("orders.yaml", &text);
    let Some((Manifest::ApplicationSet(appset), _)) = manifests.first() else {
        panic!("an ApplicationSet");
    };
    assert_eq!(appset.spec.generators.len(), 1);
    assert_eq!(
        appset
            .spec
            .template
            .pointer("/spec/syncPolicy/automated/prune"),
        Some(&serde_json::json!("{prune}"))
    );
    assert_eq!(
        appset.spec.template.pointer("/metadata/name"),
        Some(&serde_json::json!("orders-{env}"))
    );
}

#[test]
fn seed_fragments_are_not_manifests_and_partial_applications_say_why() {
    let mut diagnostics = Vec::new();
    for dir in seed_dirs() {
        let fragments = dir.join("fragments");
        if !fragments.is_dir() {
            continue;
        }
        for file in yaml_files(&fragments) {
            let rel = relative(&file);
            let text = fs::read_to_string(&file).expect("readable");
            let (_, found) = parse_documents(&rel, &text);
            diagnostics.extend(found.iter().map(ToString::to_string));
        }
    }
    assert_eq!(
        diagnostics,
        [
            "000-gitops-guide/fragments/03-application-api-server-ignore-differences.yaml:6: Application api-server: spec.destination: is required",
            "000-gitops-guide/fragments/03-application-api-server-ignore-differences.yaml:6: Application api-server: spec.source: one of spec.source or spec.sources is required",
            "003-platform-gitops/fragments/02-application-orders-dev-image-updater.yaml:14: invalid YAML: found unknown escape character at line 14 column 74, while parsing a quoted scalar at line 14 column 58",
        ]
    );
}
