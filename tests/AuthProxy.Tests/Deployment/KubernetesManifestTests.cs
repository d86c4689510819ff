using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AuthProxy.Tests.Configuration;
using AuthProxy.Tokens.Iam;

namespace AuthProxy.Tests.Deployment;

/// <summary>
/// What deploy/kubernetes renders to, checked against the Dockerfile, the proxy's defaults and what each overlay claims.
/// Each kustomization (the two overlays and the trusted-profile example) is rendered by <see cref="KustomizeRender"/>, a
/// small renderer written for these tests (no YAML library, no kubectl needed): it implements only the kustomize features
/// the manifests use and throws on any other, and <see cref="Renderer_AgreesWithKubectlKustomize"/> compares its output
/// with <c>kubectl kustomize</c> wherever kubectl is on the PATH (skipped elsewhere).
/// <para>
/// Not checked here: that the cluster accepts the objects (API schemas, admission, OpenShift's SCCs, Pod Security
/// levels); that the kubelet really makes the Secret and the token readable to the UID and groups the container gets
/// (the overlays' reasoning is in their comments and deploy/kubernetes/README.md); that the image exists, runs as its
/// USER, or is the one the tag names; the trusted-profile exchange with IAM; kustomize behaviour beyond the features the
/// renderer implements. The ConfigMaps' configurations are validated with the other shipped configurations
/// (<see cref="SchemaTests"/>).
/// </para>
/// </summary>
public sealed class KubernetesManifestTests
{
    private const string Root = "deploy/kubernetes";
    private const string KubernetesOverlay = "overlays/kubernetes";
    private const string OpenShiftOverlay = "overlays/openshift";
    private const string TrustedProfileExample = "examples/trusted-profile";
    private const string FleetExample = "examples/fleet";

    /// <summary>Templates of the Secrets created out of band (never by kustomize): what their keys provide.</summary>
    private static readonly string[] SecretTemplates = ["secret.yaml", "components/shared-token-cache/secret.yaml"];

    private static readonly Dockerfile Image = Dockerfile.Load(ShippedConfigs.FullPath("Dockerfile"));

    /// <summary>Everything meant to be applied: both overlays and the example built on them.</summary>
    public static TheoryData<string> Renderings => [KubernetesOverlay, OpenShiftOverlay, TrustedProfileExample, FleetExample];

    /// <summary>The overlays for API-key set-ups, which must carry no service-account token at all.</summary>
    public static TheoryData<string> ApiKeyOverlays => [KubernetesOverlay, OpenShiftOverlay];

    [Fact]
    public void Dockerfile_RunsAsANumericNonRootUser_SoRunAsNonRootCanBeVerified()
    {
        // The kubelet checks runAsNonRoot against the image's USER only when it is numeric ("app" would be refused).
        Assert.True(ImageUid > 0, $"the image's USER '{Image.Final.User}' is not a numeric non-root UID");
    }

    [Fact]
    public void Base_FixesNoUserGroupOrFsGroup()
    {
        var pod = Pod(Render("base"));

        Assert.Equal("true", (string?)pod["securityContext"]?["runAsNonRoot"]);
        Assert.Empty(IdentitySettings(pod));
        Assert.Null(pod["serviceAccountName"]);
    }

    [Fact]
    public void KubernetesOverlay_GivesTheSecretToTheImagesUserGroup_WithoutFixingAUid()
    {
        var pod = Pod(Render(KubernetesOverlay));

        // The image's "app" user has the group of the same number: fsGroup makes Secret and token files that group's.
        Assert.Equal(ImageUid.ToString(CultureInfo.InvariantCulture), (string?)pod["securityContext"]?["fsGroup"]);
        Assert.Equal(["fsGroup"], IdentitySettings(pod).Select(s => s.Name));
        Assert.True(GroupReadable(SecretVolume(pod)), "the Secret's defaultMode gives its group no read permission");
    }

    [Fact]
    public void OpenShiftOverlay_LeavesUidAndFsGroupToTheScc_AndReadsTheSecretAsGroupZero()
    {
        var pod = Pod(Render(OpenShiftOverlay));

        Assert.Empty(IdentitySettings(pod));
        Assert.Equal(["0"], pod["securityContext"]?["supplementalGroups"]?.AsArray().Select(g => (string?)g));
        Assert.True(GroupReadable(SecretVolume(pod)), "the Secret's defaultMode gives its group no read permission");
        // What restricted-v2 requires of every container, so admission need not change the pod (or refuse it).
        Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]?["seccompProfile"]?["type"]);
        var container = Container(pod);
        Assert.Equal("false", (string?)container["securityContext"]?["allowPrivilegeEscalation"]);
        Assert.Equal(["ALL"], container["securityContext"]?["capabilities"]?["drop"]?.AsArray().Select(c => (string?)c));
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Rendering_PinsTheImage_AndPullsItIfNotPresent(string kustomization)
    {
        var container = Container(Pod(Render(kustomization)));
        var image = (string)container["image"]!;
        var (_, suffix) = KustomizeRender.SplitImage(image);

        Assert.Matches(@"^(@sha256:[0-9a-f]{64}|:[\w][\w.-]{0,127})$", suffix);
        Assert.NotEqual(":latest", suffix);
        Assert.Equal("IfNotPresent", (string?)container["imagePullPolicy"]);
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Rendering_MountsTheConfigMapWhereTheImageReadsItsConfiguration(string kustomization)
    {
        var resources = Render(kustomization);
        var pod = Pod(resources);
        var configPath = Image.Final.Env["AUTHPROXY_CONFIG"];
        var (directory, file) = (configPath[..configPath.LastIndexOf('/')], configPath[(configPath.LastIndexOf('/') + 1)..]);

        var mount = Assert.Single(Mounts(Container(pod)), m => (string?)m["mountPath"] == directory);
        var volume = Volume(pod, (string)mount["name"]!);
        var configMap = KustomizeRender.Single(resources, "ConfigMap", (string)volume["configMap"]!["name"]!);
        Assert.NotNull((string?)configMap["data"]?[file]);
        var env = Container(pod)["env"]?.AsArray().OfType<JsonObject>().SingleOrDefault(e => (string?)e["name"] == "AUTHPROXY_CONFIG");
        Assert.True(env is null || (string?)env["value"] == configPath, "the Deployment points AUTHPROXY_CONFIG elsewhere than the image");
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Rendering_ProbesHealthAndReadiness_OnTheImagesPort_BehindAClusterIpService(string kustomization)
    {
        var resources = Render(kustomization);
        var pod = Pod(resources);
        var container = Container(pod);
        var port = BindingAddress.Parse(Image.Final.Env["ASPNETCORE_URLS"]).Port.ToString(CultureInfo.InvariantCulture);

        var http = Assert.Single(container["ports"]!.AsArray().OfType<JsonObject>(), p => (string?)p["name"] == "http");
        Assert.Equal(port, (string?)http["containerPort"]);
        Assert.Equal("/healthz", (string?)container["livenessProbe"]?["httpGet"]?["path"]);
        Assert.Equal("http", (string?)container["livenessProbe"]?["httpGet"]?["port"]);
        Assert.Equal("/readyz", (string?)container["readinessProbe"]?["httpGet"]?["path"]);
        Assert.Equal("http", (string?)container["readinessProbe"]?["httpGet"]?["port"]);

        var service = KustomizeRender.Single(resources, "Service", "authproxy");
        Assert.Equal("ClusterIP", (string?)service["spec"]?["type"]);
        var servicePort = Assert.Single(service["spec"]!["ports"]!.AsArray().OfType<JsonObject>());
        Assert.Equal(port, (string?)servicePort["port"]);
        Assert.Equal("http", (string?)servicePort["targetPort"]);
        var podLabels = Deployment(resources)["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        Assert.All(service["spec"]!["selector"]!.AsObject(), label => Assert.Equal((string?)label.Value, (string?)podLabels[label.Key]));
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Rendering_RunsLockedDown(string kustomization)
    {
        var pod = Pod(Render(kustomization));
        var container = Container(pod);
        var security = container["securityContext"]!;

        Assert.Equal("true", (string?)pod["securityContext"]?["runAsNonRoot"]);
        Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]?["seccompProfile"]?["type"]);
        Assert.Equal("false", (string?)pod["automountServiceAccountToken"]);
        Assert.Equal("true", (string?)security["runAsNonRoot"]);
        Assert.Equal("true", (string?)security["readOnlyRootFilesystem"]);
        Assert.Equal("false", (string?)security["allowPrivilegeEscalation"]);
        Assert.Equal(["ALL"], security["capabilities"]?["drop"]?.AsArray().Select(c => (string?)c));
        // The root filesystem is read-only: /tmp is an emptyDir.
        var tmp = Assert.Single(Mounts(container), m => (string?)m["mountPath"] == "/tmp");
        Assert.NotNull(Volume(pod, (string)tmp["name"]!)["emptyDir"]);
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Rendering_MountsEveryVolume_AndProvidesEveryFileItsConfigurationReads(string kustomization)
    {
        var resources = Render(kustomization);
        var pod = Pod(resources);
        var mounts = Mounts(Container(pod));
        var volumes = pod["volumes"]!.AsArray().OfType<JsonObject>().ToList();
        Assert.Equal(volumes.Select(v => (string?)v["name"]).Order(), mounts.Select(m => (string?)m["name"]).Order());

        // The files the proxy reads: every …File option, and a trusted profile's default token locations.
        var config = Configuration(resources, pod);
        var files = FileOptions(config).ToList();
        foreach (var (_, provider) in config["TokenProviders"]?.AsObject() ?? [])
        {
            if ((string?)provider?["Type"] == "IamTrustedProfile" && provider["CrTokenFile"] is null)
            {
                Assert.True(IamTrustedProfileSource.DefaultCrTokenFiles.Any(f => FileSource(pod, resources, f) is not null),
                    $"no volume provides any of {string.Join(", ", IamTrustedProfileSource.DefaultCrTokenFiles)}");
            }
        }

        Assert.All(files, file => Assert.True(FileSource(pod, resources, file) is not null, $"no volume provides {file}"));
    }

    [Theory]
    [MemberData(nameof(ApiKeyOverlays))]
    public void ApiKeyOverlay_ProjectsNoServiceAccountToken(string kustomization)
    {
        var resources = Render(kustomization);
        var pod = Pod(resources);

        Assert.DoesNotContain(pod["volumes"]!.AsArray().OfType<JsonObject>(), v => v["projected"] is not null);
        Assert.DoesNotContain(resources, r => KustomizeRender.Kind(r) == "ServiceAccount");
        Assert.Null(pod["serviceAccountName"]);
    }

    [Fact]
    public void TrustedProfileExample_ProjectsAnIamTokenWhereTheProviderLooksByDefault_ForItsOwnServiceAccount_AndMountsNoSecret()
    {
        var resources = Render(TrustedProfileExample);
        var pod = Pod(resources);

        var account = (string?)pod["serviceAccountName"];
        Assert.NotNull(account);
        Assert.Equal("false", (string?)KustomizeRender.Single(resources, "ServiceAccount", account)["automountServiceAccountToken"]);
        var token = Assert.Single(IamTrustedProfileSource.DefaultCrTokenFiles.Select(f => FileSource(pod, resources, f)).OfType<JsonObject>());
        Assert.Equal("iam", (string?)token["audience"]);
        Assert.DoesNotContain(pod["volumes"]!.AsArray().OfType<JsonObject>(), v => v["secret"] is not null);
        var providers = Configuration(resources, pod)["TokenProviders"]!.AsObject();
        Assert.All(providers, p => Assert.Equal("IamTrustedProfile", (string?)p.Value?["Type"]));
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Rendering_ScalesWithAnAutoscaler_FromTwoReplicas_WhichOwnsTheReplicaCount(string kustomization)
    {
        var resources = Render(kustomization);
        var hpa = KustomizeRender.Single(resources, "HorizontalPodAutoscaler", "authproxy");
        var target = hpa["spec"]!["scaleTargetRef"]!;

        Assert.Equal("autoscaling/v2", (string?)hpa["apiVersion"]);
        Assert.Equal(("apps/v1", "Deployment", "authproxy"), ((string?)target["apiVersion"], (string?)target["kind"], (string?)target["name"]));
        var min = int.Parse((string)hpa["spec"]!["minReplicas"]!, CultureInfo.InvariantCulture);
        Assert.True(min >= 2, "one replica alone cannot be drained without an outage");
        Assert.True(int.Parse((string)hpa["spec"]!["maxReplicas"]!, CultureInfo.InvariantCulture) > min);
        Assert.Null(Deployment(resources)["spec"]!["replicas"]); // re-applying must not reset what the autoscaler chose
        Assert.NotNull(Container(Pod(resources))["resources"]?["requests"]?["cpu"]); // CPU utilisation needs a request
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Rendering_HasADisruptionBudget_ThatSelectsThePods_AndLetsOneGoAtATime(string kustomization)
    {
        var resources = Render(kustomization);
        var pdb = KustomizeRender.Single(resources, "PodDisruptionBudget", "authproxy");
        var podLabels = Deployment(resources)["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();

        Assert.Equal("policy/v1", (string?)pdb["apiVersion"]);
        Assert.All(pdb["spec"]!["selector"]!["matchLabels"]!.AsObject(), l => Assert.Equal((string?)l.Value, (string?)podLabels[l.Key]));
        Assert.Equal("1", (string?)pdb["spec"]!["maxUnavailable"]);
        Assert.Null(pdb["spec"]!["minAvailable"]);
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Rendering_ShutsDownGracefully_ReadinessFirst_ThenTheDrain_WithinTheGracePeriod(string kustomization)
    {
        var pod = Pod(Render(kustomization));
        var container = Container(pod);
        var drain = TimeSpan.Parse(Env(container, "Shutdown__DrainDelay") ?? "00:00:00", CultureInfo.InvariantCulture);
        var grace = TimeSpan.FromSeconds(int.Parse((string?)pod["terminationGracePeriodSeconds"] ?? "30", CultureInfo.InvariantCulture));
        var probe = container["readinessProbe"]!;
        var noticed = TimeSpan.FromSeconds(int.Parse((string)probe["periodSeconds"]!, CultureInfo.InvariantCulture) *
            int.Parse((string)probe["failureThreshold"]!, CultureInfo.InvariantCulture));

        Assert.True(drain > TimeSpan.Zero, "no drain: the listeners would close the moment SIGTERM arrives");
        Assert.True(noticed <= drain, $"readiness is noticed only after {noticed}, past the {drain} drain");
        Assert.True(grace >= drain + AuthProxy.Hosting.ShutdownDrain.InFlightTimeout,
            $"terminationGracePeriodSeconds {grace.TotalSeconds} leaves no time for in-flight requests after the {drain.TotalSeconds} s drain");
        var problems = new List<AuthProxy.Configuration.ConfigProblem>();
        var read = AuthProxy.Hosting.ShutdownConfig.Read(new ConfigurationBuilder()
            .AddInMemoryCollection([new("Shutdown:DrainDelay", Env(container, "Shutdown__DrainDelay"))]).Build(), problems);
        Assert.Empty(problems); // the proxy accepts the value the manifest gives it
        Assert.Equal(drain, read.DrainDelay);
    }

    [Fact]
    public void FleetExample_ConfiguresTheSharedTokenCache_FromTheSecret_WithItsFilesMounted()
    {
        var resources = Render(FleetExample);
        var pod = Pod(resources);
        var container = Container(pod);

        var configuration = Env(container, "TokenCache__Redis__ConfigurationFile");
        var key = Env(container, "TokenCache__Redis__EncryptionKeyFile");
        Assert.NotNull(configuration);
        Assert.NotNull(key);
        Assert.Equal("authproxy:", Env(container, "TokenCache__Redis__KeyPrefix"));
        foreach (var file in new[] { configuration!, key! })
        {
            var source = FileSource(pod, resources, file);
            Assert.True(source is not null, $"no volume provides {file}");
            Assert.Equal("Secret", KustomizeRender.Kind(source!));
        }

        Assert.DoesNotContain(resources, r => KustomizeRender.Kind(r) == "Secret"); // created out of band, never by kustomize
        Assert.True(GroupReadable(Volume(pod, "token-cache")["secret"]!.AsObject()));
        Assert.Null(Env(Container(Pod(Render(KubernetesOverlay))), "TokenCache__Redis__ConfigurationFile")); // opt-in: the plain overlays share nothing
    }

    private static string? Env(JsonObject container, string name) =>
        (string?)container["env"]?.AsArray().OfType<JsonObject>().SingleOrDefault(e => (string?)e["name"] == name)?["value"];

    [KubectlTheory]
    [MemberData(nameof(Renderings))]
    public async Task Renderer_AgreesWithKubectlKustomize(string kustomization)
    {
        var directory = ShippedConfigs.FullPath($"{Root}/{kustomization}");
        var start = new ProcessStartInfo(KubectlTheoryAttribute.Kubectl!) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(directory);
        using var kubectl = Process.Start(start)!;
        var stdout = kubectl.StandardOutput.ReadToEndAsync();
        var stderr = kubectl.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await kubectl.WaitForExitAsync(timeout.Token);
        }

        Assert.True(kubectl.ExitCode == 0, $"kubectl kustomize {kustomization} failed: {await stderr}");

        var expected = YamlSubset.ParseDocuments(await stdout, "kubectl kustomize").Select(d => d.AsObject()).ToList();
        var actual = KustomizeRender.Build(directory);

        Assert.Equal(Ids(expected), Ids(actual));
        foreach (var resource in expected)
        {
            var mine = KustomizeRender.Single(actual, KustomizeRender.Kind(resource)!, KustomizeRender.Name(resource)!);
            Assert.Equal(YamlSubset.Leaves(resource), YamlSubset.Leaves(mine));
        }

        static IEnumerable<string> Ids(List<JsonObject> resources) => resources.Select(r => $"{KustomizeRender.Kind(r)}/{KustomizeRender.Name(r)}").Order(StringComparer.Ordinal);
    }

    private static int ImageUid => int.TryParse(Image.Final.User, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : -1;

    private static List<JsonObject> Render(string kustomization) => KustomizeRender.Build(ShippedConfigs.FullPath($"{Root}/{kustomization}"));

    private static JsonObject Deployment(List<JsonObject> resources) => KustomizeRender.Single(resources, "Deployment", "authproxy");

    private static JsonObject Pod(List<JsonObject> resources) => Deployment(resources)["spec"]!["template"]!["spec"]!.AsObject();

    private static JsonObject Container(JsonObject pod) =>
        Assert.Single(pod["containers"]!.AsArray().OfType<JsonObject>(), c => (string?)c["name"] == "authproxy");

    private static List<JsonObject> Mounts(JsonObject container) => container["volumeMounts"]!.AsArray().OfType<JsonObject>().ToList();

    private static JsonObject Volume(JsonObject pod, string name) =>
        Assert.Single(pod["volumes"]!.AsArray().OfType<JsonObject>(), v => (string?)v["name"] == name);

    private static JsonObject SecretVolume(JsonObject pod) =>
        Assert.Single(pod["volumes"]!.AsArray().OfType<JsonObject>(), v => v["secret"] is not null)["secret"]!.AsObject();

    /// <summary>A Secret volume's files are readable by their group (mode written in octal, as Kubernetes examples do).</summary>
    private static bool GroupReadable(JsonObject secret) =>
        (string?)secret["defaultMode"] is { } mode && (Convert.ToInt32(mode, mode.StartsWith('0') ? 8 : 10) & 0x20) != 0;

    /// <summary>Every user or group id set anywhere in the pod (pod and containers): what OpenShift's SCC must assign.</summary>
    private static List<(string Name, string? Value)> IdentitySettings(JsonObject pod) =>
        [.. Enumerable.Concat([pod["securityContext"]], pod["containers"]!.AsArray().Select(c => c?["securityContext"]))
            .OfType<JsonObject>()
            .SelectMany(s => s.Where(p => p.Key is "runAsUser" or "runAsGroup" or "fsGroup"))
            .Select(p => (p.Key, (string?)p.Value))];

    /// <summary>The values of every <c>…File</c> option of a configuration (secret files, CA files, token files).</summary>
    private static IEnumerable<string> FileOptions(JsonNode? node) => node switch
    {
        JsonObject map => map.SelectMany(p => p.Key.EndsWith("File", StringComparison.Ordinal) && p.Value is JsonValue value
            ? [(string)value!]
            : FileOptions(p.Value)),
        JsonArray list => list.SelectMany(FileOptions),
        _ => [],
    };

    /// <summary>The proxy's configuration in the rendered ConfigMap the pod mounts.</summary>
    private static JsonObject Configuration(List<JsonObject> resources, JsonObject pod)
    {
        var configMaps = pod["volumes"]!.AsArray().Select(v => (string?)v?["configMap"]?["name"]).OfType<string>();
        var data = KustomizeRender.Single(resources, "ConfigMap", Assert.Single(configMaps))["data"]!["authproxy.json"]!;
        return JsonNode.Parse((string)data!, documentOptions: ShippedConfigs.JsonWithComments)!.AsObject();
    }

    /// <summary>
    /// What provides a file inside the container: for a Secret volume, the key of <c>deploy/kubernetes/secret.yaml</c>
    /// (the Secret is created out of band, from that template); for a projected volume, its serviceAccountToken source.
    /// Null when no mount provides it.
    /// </summary>
    private static JsonObject? FileSource(JsonObject pod, List<JsonObject> resources, string path)
    {
        foreach (var mount in Mounts(Container(pod)))
        {
            var directory = (string)mount["mountPath"]!;
            if (!path.StartsWith(directory + "/", StringComparison.Ordinal))
            {
                continue;
            }

            var name = path[(directory.Length + 1)..];
            var volume = Volume(pod, (string)mount["name"]!);
            if (volume["secret"]?["secretName"] is { } secretName)
            {
                var secret = resources.SingleOrDefault(r => KustomizeRender.Kind(r) == "Secret" && KustomizeRender.Name(r) == (string?)secretName)
                    ?? KustomizeRender.Single(SecretTemplates.SelectMany(t => KustomizeRender.ReadManifest(ShippedConfigs.FullPath($"{Root}/{t}"))), "Secret",
                        (string)secretName!);
                return (secret["stringData"] ?? secret["data"])?[name] is not null ? secret : null;
            }

            var token = volume["projected"]?["sources"]?.AsArray().Select(s => s?["serviceAccountToken"]).OfType<JsonObject>()
                .SingleOrDefault(t => (string?)t["path"] == name);
            if (token is not null)
            {
                return token;
            }

            if (volume["configMap"]?["name"] is { } configMapName)
            {
                var configMap = KustomizeRender.Single(resources, "ConfigMap", (string)configMapName!);
                return configMap["data"]?[name] is not null ? configMap : null;
            }
        }

        return null;
    }
}
