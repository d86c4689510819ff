using AuthProxy.Hosting;

return await AuthProxyApp.RunAsync(args);
