using ClientHub.Functions;

var builder = WebApplication.CreateBuilder(args);
builder.AddClientHub();
var app = builder.Build();
app.MapClientHub();
app.Run();

/// <summary>Entry point; public so the end-to-end tests can host it with WebApplicationFactory.</summary>
public partial class Program;
