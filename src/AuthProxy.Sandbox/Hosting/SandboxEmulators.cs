using AuthProxy.Sandbox.CloudPak;
using AuthProxy.Sandbox.Grep11;
using AuthProxy.Sandbox.Iam;
using AuthProxy.Sandbox.KeyProtect;
using AuthProxy.Sandbox.Oidc;
using AuthProxy.Sandbox.Sklm;
using AuthProxy.Sandbox.Tokens;
using AuthProxy.Sandbox.Vpc;

namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// The emulators with the sandbox credentials (<see cref="SandboxDefaults"/>), IAM, Key Protect and GREP11 sharing
/// one token store. What <c>dotnet run --project src/AuthProxy.Sandbox</c> starts; tests and soak runs can start
/// the same set on ephemeral ports.
/// </summary>
public sealed class SandboxEmulators : IAsyncDisposable
{
    private SandboxEmulators(IssuedTokenStore tokens, IamEmulator iam, KeyProtectEmulator keyProtect, CloudPakEmulator cloudPak, SklmEmulator sklm,
        VpcMetadataEmulator vpcMetadata, OidcIssuerEmulator oidcIssuer, Grep11Emulator grep11)
    {
        VpcMetadata = vpcMetadata;
        OidcIssuer = oidcIssuer;
        Grep11 = grep11;
        Tokens = tokens;
        Iam = iam;
        KeyProtect = keyProtect;
        CloudPak = cloudPak;
        Sklm = sklm;
    }

    /// <summary>The store all of them record their tokens in.</summary>
    public IssuedTokenStore Tokens { get; }

    public IamEmulator Iam { get; }

    public KeyProtectEmulator KeyProtect { get; }

    public CloudPakEmulator CloudPak { get; }

    public SklmEmulator Sklm { get; }

    /// <summary>The VPC instance metadata service (instance identity → IAM tokens Key Protect accepts).</summary>
    public VpcMetadataEmulator VpcMetadata { get; }

    /// <summary>An OIDC-style issuer of service-account-like JWTs, for inbound JWT clients.</summary>
    public OidcIssuerEmulator OidcIssuer { get; }

    /// <summary>The HPCS GREP11-like gRPC service (h2c), trusting the IAM emulator's tokens.</summary>
    public Grep11Emulator Grep11 { get; }

    /// <summary>Starts the emulators; if one cannot start (port taken), the others are stopped again.</summary>
    public static async Task<SandboxEmulators> StartAsync(SandboxEmulatorsOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SandboxEmulatorsOptions();
        var tokens = new IssuedTokenStore();
        var started = new List<IAsyncDisposable>(7);
        try
        {
            var iam = await IamEmulator.StartAsync(Configure("iam", new IamEmulatorOptions { Port = options.IamPort }), cancellationToken);
            started.Add(iam);
            var keyProtect = await KeyProtectEmulator.StartAsync(Configure("keyprotect", new KeyProtectEmulatorOptions { Port = options.KeyProtectPort }), cancellationToken);
            started.Add(keyProtect);
            var cloudPak = await CloudPakEmulator.StartAsync(Configure("cloudpak", new CloudPakEmulatorOptions
            {
                Port = options.CloudPakPort,
                TextStreamInterval = options.TextStreamInterval,
            }), cancellationToken);
            started.Add(cloudPak);
            var sklm = await SklmEmulator.StartAsync(Configure("sklm", new SklmEmulatorOptions { Port = options.SklmPort }), cancellationToken);
            started.Add(sklm);
            var vpc = await VpcMetadataEmulator.StartAsync(Configure("vpc", new VpcMetadataEmulatorOptions { Port = options.VpcMetadataPort }), cancellationToken);
            started.Add(vpc);
            var oidc = await OidcIssuerEmulator.StartAsync(Configure("oidc", new OidcIssuerEmulatorOptions { Port = options.OidcIssuerPort }), cancellationToken);
            started.Add(oidc);
            var grep11 = await Grep11Emulator.StartAsync(Configure("grep11", new Grep11EmulatorOptions
            {
                Port = options.Grep11Port,
                StreamInterval = options.Grep11StreamInterval,
            }), cancellationToken);
            return new SandboxEmulators(tokens, iam, keyProtect, cloudPak, sklm, vpc, oidc, grep11);
        }
        catch
        {
            foreach (var emulator in started)
            {
                await emulator.DisposeAsync();
            }

            throw;
        }

        T Configure<T>(string name, T emulatorOptions)
            where T : EmulatorOptions
        {
            if (options.OnRequest is { } onRequest)
            {
                emulatorOptions.OnRequest = context => onRequest(name, context);
            }

            emulatorOptions.Tokens = tokens;
            emulatorOptions.TimeProvider = options.TimeProvider;
            emulatorOptions.ConfigureLogging = options.ConfigureLogging;
            return emulatorOptions;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Grep11.DisposeAsync();
        await OidcIssuer.DisposeAsync();
        await VpcMetadata.DisposeAsync();
        await Sklm.DisposeAsync();
        await CloudPak.DisposeAsync();
        await KeyProtect.DisposeAsync();
        await Iam.DisposeAsync();
    }
}
