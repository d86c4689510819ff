using System.Globalization;
using System.Text.RegularExpressions;
using AuthProxy.Tests.Configuration;

namespace AuthProxy.Tests.Deployment;

/// <summary>
/// deploy/kubernetes agrees with the Dockerfile and the configuration it ships (read as text: no YAML library here).
/// The ConfigMap's configuration itself is checked with the other shipped configurations (<see cref="SchemaTests"/>).
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly Dockerfile Image = Dockerfile.Load(ShippedConfigs.FullPath("Dockerfile"));

    private static string Manifest(string name) => File.ReadAllText(ShippedConfigs.FullPath($"deploy/kubernetes/{name}")).ReplaceLineEndings("\n");

    [Fact]
    public void Deployment_MountsTheConfigMapWhereTheImageReadsItsConfiguration()
    {
        var configPath = Image.Final.Env["AUTHPROXY_CONFIG"];
        var deployment = Manifest("deployment.yaml");

        Assert.Matches($@"- name: config\n\s+mountPath: {Regex.Escape(configPath[..configPath.LastIndexOf('/')])}\n", deployment);
        Assert.Matches(@"configMap:\n\s+name: authproxy-config\n", deployment);
        Assert.Contains($"  {configPath[(configPath.LastIndexOf('/') + 1)..]}: |", Manifest("configmap.yaml"));
    }

    [Fact]
    public void Deployment_ProbesHealthAndReadiness_OnTheImagesPort()
    {
        var port = BindingAddress.Parse(Image.Final.Env["ASPNETCORE_URLS"]).Port.ToString(CultureInfo.InvariantCulture);
        var deployment = Manifest("deployment.yaml");

        Assert.Contains($"containerPort: {port}\n", deployment);
        Assert.Matches(@"livenessProbe:\n\s+httpGet:\n\s+path: /healthz\n\s+port: http\n", deployment);
        Assert.Matches(@"readinessProbe:\n\s+httpGet:\n\s+path: /readyz\n\s+port: http\n", deployment);
        Assert.Matches($@"port: {port}\n\s+targetPort: http\n", Manifest("service.yaml"));
        Assert.Contains("type: ClusterIP", Manifest("service.yaml"));
    }

    [Fact]
    public void Deployment_RunsLockedDown_WithTheSecretFilesTheConfigMapNames()
    {
        var deployment = Manifest("deployment.yaml");
        Assert.Contains("runAsNonRoot: true", deployment);
        Assert.Contains("readOnlyRootFilesystem: true", deployment);
        Assert.Contains("allowPrivilegeEscalation: false", deployment);
        Assert.Matches(@"drop: \[ ""ALL"" \]", deployment);

        // Every …File of the ConfigMap's configuration is a key of the Secret, mounted at its folder.
        var secretDirectory = Regex.Match(deployment, @"- name: secrets\n\s+mountPath: (\S+)\n").Groups[1].Value;
        Assert.NotEmpty(secretDirectory);
        var files = Regex.Matches(ShippedConfigs.ReadJson(ShippedConfigs.ConfigMap), @"""\w+File"":\s*""([^""]+)""").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(files);
        var secret = Manifest("secret.yaml");
        Assert.All(files, file =>
        {
            Assert.Equal(secretDirectory, file[..file.LastIndexOf('/')]);
            Assert.Contains($"\n  {file[(file.LastIndexOf('/') + 1)..]}: ", secret);
        });
    }

    [Fact]
    public void Deployment_ProjectsAnIamServiceAccountToken_WhereTrustedProfilesLookByDefault()
    {
        var deployment = Manifest("deployment.yaml");
        var directory = Regex.Match(deployment, @"- name: iam-token\n\s+mountPath: (\S+)\n").Groups[1].Value;
        var file = Regex.Match(deployment, @"serviceAccountToken:\n\s+path: (\S+)\n\s+audience: iam\n").Groups[1].Value;

        Assert.Contains($"{directory}/{file}", AuthProxy.Tokens.Iam.IamTrustedProfileSource.DefaultCrTokenFiles);
    }
}
