// .NET 8 has no System.Threading.Lock; on net8.0 the name means a plain object, so `lock (_gate)` takes a Monitor as
// it did before .NET 9.
#if !NET9_0_OR_GREATER
global using Lock = object;
#endif
