// Key Vault in RBAC mode for the host's secrets (SendGrid key, bootstrap token). The apps read them through Container
// Apps Key Vault references with the managed identity, which gets "Key Vault Secrets User" on the vault only.

@description('Name of the vault: 3-24 letters, digits and dashes, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags put on every resource.')
param tags object

@description('Name of the user-assigned managed identity the apps run as; it may read secrets, nothing more.')
param identityName string

@secure()
@description('Written to the vault as sendgrid-api-key when set; empty leaves the vault\'s secret (if any) as it is.')
param sendGridApiKey string

@secure()
@description('Written to the vault as bootstrap-token when set; empty leaves the vault\'s secret (if any) as it is.')
param bootstrapToken string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'


resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
  }
}

resource sendGridSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(sendGridApiKey)) {
  parent: vault
  name: 'sendgrid-api-key'
  properties: {
    value: sendGridApiKey
  }
}

resource bootstrapSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(bootstrapToken)) {
  parent: vault
  name: 'bootstrap-token'
  properties: {
    value: bootstrapToken
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

@description('Name of the vault.')
output name string = vault.name
