using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vault.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class FamilyAccessStamp : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "AccessStamp",
                table: "Families",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AccessStamp",
                table: "Families");
        }
    }
}
