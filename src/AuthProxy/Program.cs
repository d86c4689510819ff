using AuthProxy.Configuration;
using AuthProxy.Hosting;

return args is ["validate", .. var rest]
    ? ValidateCommand.Run(rest, Console.Out, Console.Error)
    : await AuthProxyApp.RunAsync(args);
