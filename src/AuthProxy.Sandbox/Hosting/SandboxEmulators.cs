using AuthProxy.Sandbox.CloudPak;
using AuthProxy.Sandbox.Iam;
using AuthProxy.Sandbox.KeyProtect;
using AuthProxy.Sandbox.Oidc;
using AuthProxy.Sandbox.Sklm;
using AuthProxy.Sandbox.Tokens;
using AuthProxy.Sandbox.Vpc;

namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// The emulators with the sandbox credentials (<see cref="SandboxDefaults"/>), IAM and Key Protect sharing
/// one token store. What <c>dotnet run --project src/AuthProxy.Sandbox</c> starts; tests and soak runs can start
/// the same set on ephemeral ports.
/// </summary>
public sealed class SandboxEmulators : IAsyncDisposable
{
    private SandboxEmulators(IssuedTokenStore tokens, IamEmulator iam, KeyProtectEmulator keyProtect, CloudPakEmulator cloudPak, SklmEmulator sklm,
        VpcMetadataEmulator vpcMetadata, OidcIssuerEmulator oidcIssuer)
    {
        VpcMetadata = vpcMetadata;
        OidcIssuer = oidcIssuer;
        Tokens = tokens;
        Iam = iam;
        KeyProtect = keyProtect;
        CloudPak = cloudPak;
        Sklm = sklm;
    }

    /// <summary>The store all four record their tokens in.</summary>
    public IssuedTokenStore Tokens { get; }

    public IamEmulator Iam { get; }

    public KeyProtectEmulator KeyProtect { get; }

    public CloudPakEmulator CloudPak { get; }

    public SklmEmulator Sklm { get; }

    /// <summary>The VPC instance metadata service (instance identity → IAM tokens Key Protect accepts).</summary>
    public VpcMetadataEmulator VpcMetadata { get; }

    /// <summary>An OIDC-style issuer of service-account-like JWTs, for inbound JWT clients.</summary>
    public OidcIssuerEmulator OidcIssuer { get; }

    /// <summary>Starts the emulators; if one cannot start (port taken), the others are stopped again.</summary>
    public static async Task<SandboxEmulators> StartAsync(SandboxEmulatorsOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SandboxEmulatorsOptions();
        var tokens = new IssuedTokenStore();
        var started = new List<IAsyncDisposable>(6);
        try
        {
            var iam = await IamEmulator.StartAsync(Configure("iam", new IamEmulatorOptions { Port = options.IamPort }), cancellationToken);
            started.Add(iam);
            var keyProtect = await KeyProtectEmulator.StartAsync(Configure("keyprotect", new KeyProtectEmulatorOptions { Port = options.KeyProtectPort }), cancellationToken);
            started.Add(keyProtect);
            var cloudPak = await CloudPakEmulator.StartAsync(Configure("cloudpak", new CloudPakEmulatorOptions { Port = options.CloudPakPort }), cancellationToken);
            started.Add(cloudPak);
            var sklm = await SklmEmulator.StartAsync(Configure("sklm", new SklmEmulatorOptions { Port = options.SklmPort }), cancellationToken);
            started.Add(sklm);
            var vpc = await VpcMetadataEmulator.StartAsync(Configure("vpc", new VpcMetadataEmulatorOptions { Port = options.VpcMetadataPort }), cancellationToken);
            started.Add(vpc);
            var oidc = await OidcIssuerEmulator.StartAsync(Configure("oidc", new OidcIssuerEmulatorOptions { Port = options.OidcIssuerPort }), cancellationToken);
            return new SandboxEmulators(tokens, iam, keyProtect, cloudPak, sklm, vpc, oidc);
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
        await OidcIssuer.DisposeAsync();
        await VpcMetadata.DisposeAsync();
        await Sklm.DisposeAsync();
        await CloudPak.DisposeAsync();
        await KeyProtect.DisposeAsync();
        await Iam.DisposeAsync();
    }
}
