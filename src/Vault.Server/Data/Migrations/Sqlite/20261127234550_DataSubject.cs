using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vault.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DataSubject : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateOnly>(
                name: "EndedOn",
                table: "Families",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ErasingSince",
                table: "Families",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LegalHoldGround",
                table: "Families",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "LegalHoldUntil",
                table: "Families",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RestrictedAt",
                table: "Families",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Erasures",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    FamilyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Phase = table.Column<int>(type: "INTEGER", nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Inventory = table.Column<string>(type: "TEXT", nullable: true),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Receipt = table.Column<byte[]>(type: "BLOB", nullable: true),
                    ReceiptSignature = table.Column<byte[]>(type: "BLOB", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Erasures", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SubjectRequests",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    FamilyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RequestedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExtensionReason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Details = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    RemindedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SubjectRequests", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Erasures_FamilyId",
                table: "Erasures",
                column: "FamilyId");

            migrationBuilder.CreateIndex(
                name: "IX_Erasures_RequestId",
                table: "Erasures",
                column: "RequestId");

            migrationBuilder.CreateIndex(
                name: "IX_SubjectRequests_FamilyId",
                table: "SubjectRequests",
                column: "FamilyId");

            migrationBuilder.CreateIndex(
                name: "IX_SubjectRequests_Status_DueAt",
                table: "SubjectRequests",
                columns: new[] { "Status", "DueAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Erasures");

            migrationBuilder.DropTable(
                name: "SubjectRequests");

            migrationBuilder.DropColumn(
                name: "EndedOn",
                table: "Families");

            migrationBuilder.DropColumn(
                name: "ErasingSince",
                table: "Families");

            migrationBuilder.DropColumn(
                name: "LegalHoldGround",
                table: "Families");

            migrationBuilder.DropColumn(
                name: "LegalHoldUntil",
                table: "Families");

            migrationBuilder.DropColumn(
                name: "RestrictedAt",
                table: "Families");
        }
    }
}
