using System.Text.Json.Nodes;

namespace AuthProxy.Tests.Deployment;

/// <summary>
/// Renders a kustomization as <c>kubectl kustomize</c> would, for the few features deploy/kubernetes uses:
/// <c>resources</c> (files and directories), <c>components</c>, <c>patches</c> by <c>path</c> (strategic merge patches
/// aimed by their own kind and name) and <c>images</c>. Lists of maps merge by their Kubernetes merge key
/// (<c>name</c>; <c>mountPath</c> for volume mounts), an item with <c>$patch: delete</c> removes its match, lists of
/// scalars are replaced — as strategic merge does for these fields. Any other kustomization field, a patch that
/// matches no resource, or a list of maps without a known merge key throws, so the manifests cannot use a feature
/// this renderer would silently get wrong. <c>KubernetesManifestTests</c> checks it against kubectl where kubectl exists.
/// </summary>
internal static class KustomizeRender
{
    private static readonly HashSet<string> KnownFields = new(StringComparer.Ordinal)
    {
        "apiVersion", "kind", "resources", "components", "patches", "images",
    };

    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["volumes"] = "name",
        ["env"] = "name",
        ["volumeMounts"] = "mountPath",
    };

    /// <summary>The resources the kustomization in <paramref name="directory"/> renders to.</summary>
    public static List<JsonObject> Build(string directory)
    {
        var resources = new List<JsonObject>();
        Apply(Path.GetFullPath(directory), resources, component: false);
        return resources;
    }

    /// <summary>Every document of a manifest file, each a Kubernetes object with <c>kind</c> and <c>metadata.name</c>.</summary>
    public static List<JsonObject> ReadManifest(string path)
    {
        var documents = YamlSubset.ParseDocuments(File.ReadAllText(path), path).Select(d => d as JsonObject
            ?? throw new FormatException($"{path}: a document that is not a mapping")).ToList();
        foreach (var document in documents)
        {
            _ = Kind(document) ?? throw new FormatException($"{path}: a document without kind");
            _ = Name(document) ?? throw new FormatException($"{path}: a {Kind(document)} without metadata.name");
        }

        return documents;
    }

    public static string? Kind(JsonObject resource) => (string?)resource["kind"];

    public static string? Name(JsonObject resource) => (string?)resource["metadata"]?["name"];

    /// <summary>The one resource of that kind and name.</summary>
    public static JsonObject Single(IEnumerable<JsonObject> resources, string kind, string name) =>
        resources.SingleOrDefault(r => Kind(r) == kind && Name(r) == name)
        ?? throw new InvalidOperationException($"no {kind} '{name}' in the rendering (has: {string.Join(", ", resources.Select(r => $"{Kind(r)}/{Name(r)}"))})");

    private static void Apply(string directory, List<JsonObject> resources, bool component)
    {
        var file = Path.Combine(directory, "kustomization.yaml");
        var kustomization = YamlSubset.ParseDocuments(File.ReadAllText(file), file).Single().AsObject();
        var expected = component ? "Component" : "Kustomization";
        if ((string?)kustomization["kind"] != expected)
        {
            throw new FormatException($"{file}: kind must be {expected}");
        }

        foreach (var (field, _) in kustomization)
        {
            if (!KnownFields.Contains(field))
            {
                throw new NotSupportedException($"{file}: '{field}' is not implemented by {nameof(KustomizeRender)}; extend it (and check with kubectl kustomize)");
            }
        }

        foreach (var entry in Strings(kustomization["resources"], file))
        {
            var path = Path.GetFullPath(Path.Combine(directory, entry));
            if (Directory.Exists(path))
            {
                var nested = new List<JsonObject>();
                Apply(path, nested, component: false);
                AddAll(resources, nested, file);
            }
            else
            {
                AddAll(resources, ReadManifest(path), file);
            }
        }

        foreach (var entry in Strings(kustomization["components"], file))
        {
            Apply(Path.GetFullPath(Path.Combine(directory, entry)), resources, component: true);
        }

        foreach (var patch in Maps(kustomization["patches"], file))
        {
            if (patch.Any(p => p.Key != "path"))
            {
                throw new NotSupportedException($"{file}: only patches given by 'path' alone are implemented");
            }

            var path = Path.GetFullPath(Path.Combine(directory, (string)patch["path"]!));
            foreach (var document in ReadManifest(path))
            {
                var target = resources.SingleOrDefault(r => Kind(r) == Kind(document) && Name(r) == Name(document))
                    ?? throw new InvalidOperationException($"{path}: the patch matches no resource ({Kind(document)} '{Name(document)}')");
                Merge(target, document, path);
            }
        }

        foreach (var image in Maps(kustomization["images"], file))
        {
            SetImage(resources, image, file);
        }
    }

    private static void AddAll(List<JsonObject> resources, List<JsonObject> added, string file)
    {
        foreach (var resource in added)
        {
            if (resources.Any(r => Kind(r) == Kind(resource) && Name(r) == Name(resource)))
            {
                throw new InvalidOperationException($"{file}: {Kind(resource)} '{Name(resource)}' is defined twice");
            }

            resources.Add(resource);
        }
    }

    private static void Merge(JsonObject target, JsonObject patch, string file)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (key.StartsWith('$'))
            {
                throw new NotSupportedException($"{file}: '{key}' on a mapping is not implemented (only '$patch: delete' on a list item)");
            }

            switch (value, target[key])
            {
                case (null, _):
                    target.Remove(key);
                    break;
                case (JsonObject from, JsonObject into):
                    Merge(into, from, file);
                    break;
                case (JsonArray from, JsonArray into) when from.Any(i => i is JsonObject) || into.Any(i => i is JsonObject):
                    MergeList(key, into, from, file);
                    break;
                default:
                    if (Contains(value, "$patch"))
                    {
                        throw new NotSupportedException($"{file}: '$patch' under '{key}', which the target does not have");
                    }

                    target[key] = value.DeepClone();
                    break;
            }
        }
    }

    private static void MergeList(string field, JsonArray into, JsonArray from, string file)
    {
        if (!MergeKeys.TryGetValue(field, out var mergeKey))
        {
            throw new NotSupportedException($"{file}: merging the list '{field}' is not implemented (no merge key known)");
        }

        var added = 0;
        foreach (var item in from)
        {
            var patch = item as JsonObject ?? throw new FormatException($"{file}: '{field}' mixes maps and scalars");
            var id = (string?)patch[mergeKey] ?? throw new FormatException($"{file}: an item of '{field}' without its merge key '{mergeKey}'");
            var match = into.OfType<JsonObject>().SingleOrDefault(i => (string?)i[mergeKey] == id);
            if ((string?)patch["$patch"] is { } directive)
            {
                if (directive != "delete")
                {
                    throw new NotSupportedException($"{file}: '$patch: {directive}' is not implemented");
                }

                if (match is not null)
                {
                    into.Remove(match);
                }
            }
            else if (match is not null)
            {
                Merge(match, patch, file);
            }
            else
            {
                into.Insert(added++, patch.DeepClone()); // kustomize puts items the target lacks first
            }
        }
    }

    /// <summary>The images transformer: every container whose image has this name gets the new name, tag or digest.</summary>
    private static void SetImage(List<JsonObject> resources, JsonObject entry, string file)
    {
        if (entry.Any(p => p.Key is not ("name" or "newName" or "newTag" or "digest")))
        {
            throw new NotSupportedException($"{file}: an images entry with fields other than name, newName, newTag, digest");
        }

        var name = (string?)entry["name"] ?? throw new FormatException($"{file}: an images entry without name");
        foreach (var container in resources.SelectMany(r => Containers(r)))
        {
            if ((string?)container["image"] is not { } image)
            {
                continue;
            }

            var (imageName, suffix) = SplitImage(image);
            if (imageName != name)
            {
                continue;
            }

            suffix = (string?)entry["digest"] is { } digest ? "@" + digest : (string?)entry["newTag"] is { } tag ? ":" + tag : suffix;
            container["image"] = ((string?)entry["newName"] ?? imageName) + suffix;
        }
    }

    /// <summary>An image reference's name and its <c>:tag</c> or <c>@digest</c> suffix (empty when it has neither).</summary>
    public static (string Name, string Suffix) SplitImage(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return (image[..at], image[at..]);
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[colon..]) : (image, "");
    }

    private static IEnumerable<JsonObject> Containers(JsonNode? node) => node switch
    {
        JsonObject map => map.SelectMany(p => p.Key is "containers" or "initContainers" && p.Value is JsonArray list
            ? list.OfType<JsonObject>()
            : Containers(p.Value)),
        JsonArray list => list.SelectMany(Containers),
        _ => [],
    };

    private static bool Contains(JsonNode? node, string key) => node switch
    {
        JsonObject map => map.ContainsKey(key) || map.Any(p => Contains(p.Value, key)),
        JsonArray list => list.Any(i => Contains(i, key)),
        _ => false,
    };

    private static IEnumerable<string> Strings(JsonNode? list, string file) =>
        list is null ? [] : list.AsArray().Select(i => (string?)i ?? throw new FormatException($"{file}: an empty list item"));

    private static IEnumerable<JsonObject> Maps(JsonNode? list, string file) =>
        list is null ? [] : list.AsArray().Select(i => i as JsonObject ?? throw new FormatException($"{file}: expected a list of mappings"));
}
