namespace AuthProxy.Admin;

/// <summary>One file of the dashboard, read once from the assembly's embedded resources (<c>Admin/Dashboard/</c>).</summary>
/// <param name="Name">The file name, which is also its path under <c>/_authproxy/</c>.</param>
/// <param name="ContentType">The media type it is served with.</param>
/// <param name="Content">The bytes.</param>
internal sealed record DashboardAsset(string Name, string ContentType, ReadOnlyMemory<byte> Content)
{
    public static DashboardAsset Load(string name, string contentType)
    {
        var resource = $"AuthProxy.Admin.Dashboard.{name}";
        using var stream = typeof(DashboardAsset).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The dashboard resource '{resource}' is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new DashboardAsset(name, contentType, copy.ToArray());
    }
}
