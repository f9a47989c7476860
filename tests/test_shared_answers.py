"""What the cluster finds once and several phases share: object keys, a template's ports."""

from __future__ import annotations

import textwrap

from portlint import builder, loader
from portlint.model.units import cluster_scoped_kinds, object_key

MANIFESTS = textwrap.dedent("""\
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: widgets.example.com}
    spec:
      group: example.com
      scope: Cluster
      names: {kind: Widget, plural: widgets}
    ---
    apiVersion: example.com/v1
    kind: Widget
    metadata: {name: w, namespace: ignored}
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {generateName: fresh-}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: p, namespace: shop}
    spec:
      initContainers:
        - {name: setup, image: x, ports: [{containerPort: 1}]}
        - {name: proxy, image: x, restartPolicy: Always, ports: [{containerPort: 2}]}
      containers:
        - {name: app, image: x, ports: [{containerPort: 3}, {containerPort: 4}]}
    """)


def _cluster():
    cluster, _ = builder.build_cluster(loader.load_text(MANIFESTS, "all.yaml").documents)
    return cluster


def test_object_keys_are_the_keys_of_each_object_with_the_inputs_scopes():
    cluster = _cluster()
    scoped = cluster_scoped_kinds(cluster.objects)
    assert ("example.com", "Widget") in cluster.scoped_kinds()
    assert cluster.object_keys() == [object_key(obj, scoped) for obj in cluster.objects]
    assert ("example.com", "Widget", "", "w") in cluster.object_keys()  # cluster-scoped by the CRD
    assert cluster.object_keys()[2] is None  # generateName
    assert cluster.object_keys() is cluster.object_keys()  # found once


def test_a_templates_ports_are_those_of_app_containers_then_sidecars():
    pod = next(w for w in _cluster().workloads if w.name == "p")
    assert [(c.name, p.number) for c, p in pod.template.ports()] == [("app", 3), ("app", 4), ("proxy", 2)]
    assert pod.template.ports() is pod.template.ports()  # listed once
