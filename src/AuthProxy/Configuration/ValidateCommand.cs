namespace AuthProxy.Configuration;

/// <summary><c>AuthProxy validate --config PATH</c>: the start-up validation, without starting anything.</summary>
public static class ValidateCommand
{
    /// <summary>Prints <c>OK</c> and returns 0, or prints one line per problem to <paramref name="error"/> and returns 1.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var path = ConfigFile.ResolvePath(args);
        var (_, result) = ConfigLoader.Load(path);
        if (result.IsValid)
        {
            output.WriteLine("OK");
            return 0;
        }

        foreach (var problem in result.Problems)
        {
            error.WriteLine(problem.ToString());
        }

        return 1;
    }
}
