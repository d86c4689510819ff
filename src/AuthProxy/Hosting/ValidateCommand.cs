namespace AuthProxy.Hosting;

/// <summary>
/// <c>AuthProxy validate [--config PATH] [overrides]</c>: the start-up judgement of the configuration — the file, the
/// environment and the command line's overrides, listeners included — without starting anything.
/// </summary>
internal static class ValidateCommand
{
    /// <summary>Parses <paramref name="args"/> (what follows <c>validate</c>) and runs the check; a usage error returns 2.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var command = CommandLine.Parse(["validate", .. args]);
        if (command.Error is not null)
        {
            error.WriteLine($"AuthProxy: {command.Error}");
            error.WriteLine();
            error.WriteLine(CommandLine.Usage);
            return 2;
        }

        return Run(command, output, error);
    }

    /// <summary>Prints <c>OK: PATH</c> and returns 0, or prints one line per problem to <paramref name="error"/> and returns 1.</summary>
    public static int Run(CommandLine command, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var path = Configuration.ConfigFile.ResolvePath(command.ConfigPath);
        var snapshot = ConfigSnapshot.Load(path, command.ConfigArgs);
        if (snapshot.IsValid)
        {
            foreach (var warning in snapshot.Warnings)
            {
                error.WriteLine($"warning: {warning}");
            }

            output.WriteLine($"OK: {path}");
            return 0;
        }

        foreach (var problem in snapshot.Problems)
        {
            error.WriteLine(problem.ToString());
        }

        return 1;
    }
}
