using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vault.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AuditTiles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A row per node gives way to tiles of 256 hashes; the writer rebuilds them from the entries' leaves at start.
            migrationBuilder.DropTable(
                name: "AuditNodes");

            migrationBuilder.CreateTable(
                name: "AuditTiles",
                columns: table => new
                {
                    Level = table.Column<int>(type: "INTEGER", nullable: false),
                    Index = table.Column<long>(type: "INTEGER", nullable: false),
                    Hashes = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditTiles", x => new { x.Level, x.Index });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AuditTiles");

            migrationBuilder.CreateTable(
                name: "AuditNodes",
                columns: table => new
                {
                    Level = table.Column<int>(type: "INTEGER", nullable: false),
                    Index = table.Column<long>(type: "INTEGER", nullable: false),
                    Hash = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditNodes", x => new { x.Level, x.Index });
                });
        }
    }
}
