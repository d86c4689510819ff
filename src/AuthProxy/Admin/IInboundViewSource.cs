namespace AuthProxy.Admin;

/// <summary>Supplies the <see cref="InboundView"/> in force; the host implements it over the inbound feature's live client set.</summary>
internal interface IInboundViewSource
{
    InboundView Current();
}
