using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vault.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AccessStampAndAuditTiles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {

        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
